package io.opsagent.launcher.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Makes a host fit to run the agent: creates its directories with tight modes and checks (or
 * creates) the token file.
 *
 * <ul>
 *   <li>{@code stateDir} is made {@code 0700}; an existing one with a looser mode is tightened;
 *   <li>{@code logDir} is made {@code 0750}, {@code installDir} {@code 0755}; existing ones keep their mode;
 *   <li>a missing token file is created with 32 random bytes in hex, mode {@code 0600};
 *   <li>an existing token file open to group or others (any bit of {@code 0077}), not a regular
 *       file, or empty stops the agent with a message that names the file and its mode.
 * </ul>
 *
 * What it did is returned as notes for the caller to log; it logs nothing itself.
 */
public final class HostPreparer {

    public static final int STATE_DIR_MODE = 0700;
    public static final int LOG_DIR_MODE = 0750;
    public static final int INSTALL_DIR_MODE = 0755;
    public static final int TOKEN_FILE_MODE = 0600;
    static final int PARENT_DIR_MODE = 0755;
    static final long MAX_TOKEN_BYTES = 64 * 1024;

    /** A prepared host: its layout, its token when asked for, and what was changed. */
    public record Prepared(HostLayout layout, Optional<InstanceToken> token, List<String> notes) {
        public Prepared {
            Objects.requireNonNull(layout, "layout");
            Objects.requireNonNull(token, "token");
            notes = List.copyOf(notes);
        }
    }

    private final SecureRandom random;

    public HostPreparer() {
        this(new SecureRandom());
    }

    HostPreparer(SecureRandom random) {
        this.random = random;
    }

    /**
     * Prepares the host.
     *
     * @param withToken whether the command needs the instance token (only {@code run} does)
     * @throws HostException naming the path and what is wrong
     */
    public Prepared prepare(HostLayout layout, boolean withToken) {
        List<String> notes = new ArrayList<>();
        if (!Files.isDirectory(layout.root())) {
            throw new HostException("root " + layout.root() + " is not a directory");
        }
        directory(layout.root(), layout.installDir(), INSTALL_DIR_MODE, false, notes);
        directory(layout.root(), layout.stateDir(), STATE_DIR_MODE, true, notes);
        directory(layout.root(), layout.logDir(), LOG_DIR_MODE, false, notes);
        Path logParent = layout.logFile().getParent();
        if (logParent != null && !logParent.equals(layout.logDir())) {
            directory(layout.root(), logParent, LOG_DIR_MODE, false, notes);
        }
        Optional<InstanceToken> token = Optional.empty();
        if (withToken) {
            token = Optional.of(token(layout, notes));
        }
        return new Prepared(layout, token, notes);
    }

    // ---------------------------------------------------------------- directories

    /** Makes a missing root prefix and its missing parents, mode 0755 each. */
    public static void createRoot(Path root) {
        directory(root.getRoot(), root, PARENT_DIR_MODE, false, new ArrayList<>());
    }

    private static void directory(Path root, Path dir, int mode, boolean tighten, List<String> notes) {
        try {
            if (Files.isDirectory(dir)) {
                if (tighten) {
                    int actual = FileModes.mode(Files.getPosixFilePermissions(dir));
                    if (actual != mode) {
                        Files.setPosixFilePermissions(dir, FileModes.permissions(mode));
                        notes.add("changed the mode of " + dir + " from " + FileModes.octal(actual) + " to "
                                + FileModes.octal(mode));
                    }
                }
                return;
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new HostException(dir + " exists and is not a directory");
            }
            Path parent = dir.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                if (!parent.startsWith(root)) {
                    throw new HostException("cannot create " + dir + ": " + parent + " does not exist");
                }
                directory(root, parent, PARENT_DIR_MODE, false, notes);
            }
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, FileModes.permissions(mode));
            notes.add("created " + dir + " (mode " + FileModes.octal(mode) + ")");
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new HostException(dir + " exists and is not a directory");
            }
        } catch (AccessDeniedException e) {
            throw new HostException("cannot create or change " + dir + ": permission denied"
                    + (root.getParent() == null ? " (run as root, or pass --root DIR)" : ""), e);
        } catch (IOException e) {
            throw new HostException("cannot create or change " + dir + ": " + e, e);
        }
    }

    // ---------------------------------------------------------------- token

    private InstanceToken token(HostLayout layout, List<String> notes) {
        Path file = layout.tokenFile();
        try {
            PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class);
            return readToken(file, attributes);
        } catch (NoSuchFileException e) {
            return createToken(layout, file, notes);
        } catch (AccessDeniedException e) {
            throw new HostException("cannot read token file " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new HostException("cannot read token file " + file + ": " + e, e);
        }
    }

    /**
     * Reads an existing token file with the checks {@link #prepare} makes; creates nothing.
     *
     * @throws NoSuchFileException when there is no token file
     * @throws HostException naming the file and what is wrong with it
     */
    public static InstanceToken readToken(Path file) throws NoSuchFileException {
        try {
            return readToken(file, Files.readAttributes(file, PosixFileAttributes.class));
        } catch (NoSuchFileException e) {
            throw e;
        } catch (AccessDeniedException e) {
            throw new HostException("cannot read token file " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new HostException("cannot read token file " + file + ": " + e, e);
        }
    }

    /** Whether a token file's mode lets group or others in, which the agent refuses. */
    public static boolean tokenModeTooOpen(int mode) {
        return (mode & 0077) != 0;
    }

    private static InstanceToken readToken(Path file, PosixFileAttributes attributes) throws IOException {
        if (!attributes.isRegularFile()) {
            throw new HostException("token file " + file + " is not a regular file");
        }
        int mode = FileModes.mode(attributes.permissions());
        if (tokenModeTooOpen(mode)) {
            throw new HostException("token file " + file + " has mode " + FileModes.octal(mode)
                    + ": group and others must have no access to it; fix it with: chmod 600 " + file);
        }
        if (attributes.size() > MAX_TOKEN_BYTES) {
            throw new HostException("token file " + file + " is " + attributes.size() + " bytes; at most "
                    + MAX_TOKEN_BYTES + " are accepted");
        }
        String value;
        try {
            value = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new HostException("token file " + file + " is not UTF-8 text");
        }
        if (value.isBlank()) {
            throw new HostException("token file " + file + " is empty; delete it to have a new token made at "
                    + "the next start, or restore it");
        }
        return new InstanceToken(file, value);
    }

    private InstanceToken createToken(HostLayout layout, Path file, List<String> notes) {
        Path parent = file.getParent();
        directory(layout.root(), parent, PARENT_DIR_MODE, false, notes);
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String value = HexFormat.of().formatHex(bytes);
        Path temp = parent.resolve("." + file.getFileName() + ".new-" + ProcessHandle.current().pid());
        try {
            try (FileChannel channel = FileChannel.open(temp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    FileModes.attribute(TOKEN_FILE_MODE))) {
                channel.write(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            Files.setPosixFilePermissions(temp, FileModes.permissions(TOKEN_FILE_MODE));
            try {
                // A hard link never replaces a token that appeared meanwhile (e.g. from the bootstrap).
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException e) {
                return readToken(file, Files.readAttributes(file, PosixFileAttributes.class));
            }
            notes.add("created token file " + file + " (mode " + FileModes.octal(TOKEN_FILE_MODE) + ")");
            return new InstanceToken(file, value);
        } catch (AccessDeniedException e) {
            throw new HostException("cannot create token file " + file + ": permission denied "
                    + "(run as root, or pass --root DIR)", e);
        } catch (IOException e) {
            throw new HostException("cannot create token file " + file + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                // The leftover is mode 0600 and named after this pid; nothing secret leaks.
            }
        }
    }
}
