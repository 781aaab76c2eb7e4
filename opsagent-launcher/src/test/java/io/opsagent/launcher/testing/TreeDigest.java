package io.opsagent.launcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** A listing of a directory tree that changes when any path, type, mode, link target or content changes. */
public final class TreeDigest {

    private TreeDigest() {}

    public static List<String> of(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.sorted().map(p -> describe(root, p)).collect(Collectors.toList());
        }
    }

    private static String describe(Path root, Path p) {
        try {
            String name = root.relativize(p).toString();
            if (Files.isSymbolicLink(p)) {
                return "L " + name + " -> " + Files.readSymbolicLink(p);
            }
            String mode = Integer.toOctalString(io.opsagent.launcher.host.FileModes.mode(
                    Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return "D " + mode + " " + name;
            }
            return "F " + mode + " " + name + " " + sha256(Files.readAllBytes(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
