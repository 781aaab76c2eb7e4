package io.opsagent.fsm.internal.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The MD5 sums behind the {@code watch} parameter: one file per (state id, watched path) in a
 * watch directory, named {@code <state id>-<path with / replaced by ->.cksum} as VisualOps named
 * them. A watch fires when any watched file's sum differs from the stored one or none is stored
 * yet (first sight counts as a change). A missing or unreadable file hashes to {@code none}. The
 * caller stores the new sums only after the state succeeded, so a failed restart is tried again.
 * Not thread-safe per state id: states run one at a time.
 */
public final class WatchSums {

    /** The sum of a file that is missing or cannot be read. */
    public static final String NONE = "none";

    private final Path dir;

    public WatchSums(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** What {@link #check} found: whether the watch fires, and the current sum of each watched path. */
    public record Check(String stateId, Map<String, String> current, boolean fired) {
        public Check {
            current = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(current));
        }
    }

    /** Compares the current sums of {@code paths} with those stored for {@code stateId}. */
    public Check check(String stateId, List<String> paths) {
        Map<String, String> current = new LinkedHashMap<>();
        boolean fired = false;
        for (String path : paths) {
            String sum = md5(Path.of(path));
            current.put(path, sum);
            if (!sum.equals(stored(stateId, path))) {
                fired = true;
            }
        }
        return new Check(stateId, current, fired);
    }

    /** Stores the sums of {@code check}, each file replaced atomically. */
    public void store(Check check) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> e : check.current().entrySet()) {
            Path target = sumFile(check.stateId(), e.getKey());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, e.getValue(), StandardCharsets.US_ASCII);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The file holding the sum of {@code path} for {@code stateId}. */
    public Path sumFile(String stateId, String path) {
        return dir.resolve((stateId + "-" + path).replace('/', '-') + ".cksum");
    }

    private String stored(String stateId, String path) {
        try {
            return Files.readString(sumFile(stateId, path), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return null; // never stored (or unreadable): a change
        }
    }

    /** The hex MD5 of the file's content, or {@link #NONE}. */
    public static String md5(Path file) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            return NONE; // missing, unreadable or a directory: hashes to nothing, as in VisualOps
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }
}
