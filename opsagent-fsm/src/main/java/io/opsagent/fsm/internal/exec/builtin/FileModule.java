package io.opsagent.fsm.internal.exec.builtin;

import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.internal.exec.FileMode;
import io.opsagent.fsm.protocol.InvalidParameterException;
import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.Optional;

/**
 * {@code linux.file}: the file at {@code path} exists with {@code content} (when given; an
 * existing file's content is otherwise left alone and a missing file is created empty),
 * {@code mode} (default {@code 0644}) and, when given, {@code user} and {@code group} (an
 * existing file keeps its owner otherwise). {@code absent: true} removes it. A symbolic link at
 * {@code path} is followed. New content is written to a temporary file beside the target and
 * renamed over it, so readers never see a half-written file. {@code remote_uri} needs Salt.
 */
final class FileModule implements BuiltinModule {

    @Override
    public StateResult apply(Params p, boolean dryRun, Execution execution) throws IOException {
        Path path = Path.of(p.requiredAbsolutePath("path"));
        if (p.bool("absent", false)) {
            return Removal.result(path, dryRun);
        }
        if (p.has("remote_uri") && !p.has("content")) {
            throw new InvalidParameterException(p.module() + ": parameter 'remote_uri' is not supported by the built-in "
                    + "executor, which does not download files; install Salt (salt-call) to use it");
        }
        Optional<byte[]> content = p.string("content").map(s -> s.getBytes(StandardCharsets.UTF_8));
        FileMode mode = p.mode("mode", "0644");
        Optional<UserPrincipal> user = Ownership.user(p, "user");
        Optional<GroupPrincipal> group = Ownership.group(p, "group");

        Path parent = path.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            if (dryRun && parent != null && !Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
                // As Salt's test=True: an earlier state of the same run may make the directory.
                return StateResult.changed("The file " + path + " is set to be changed\nChanges: new file (its parent "
                        + "directory " + parent + " does not exist yet; an earlier state must create it)", null);
            }
            return StateResult.failed("Parent directory not present: " + parent, null);
        }
        if (Files.isDirectory(path)) {
            return StateResult.failed("Specified target " + path + " is a directory", null);
        }
        Path target = Files.isSymbolicLink(path) && Files.exists(path) ? path.toRealPath() : path;
        boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);

        Changes changes = new Changes();
        boolean write;
        PosixFileAttributes current = null;
        if (!exists) {
            changes.add("new file");
            write = true;
        } else {
            current = Ownership.attributes(target, LinkOption.NOFOLLOW_LINKS);
            write = content.isPresent() && !sameContent(target, current.size(), content.get());
            if (write) {
                changes.add("content");
            }
            int currentMode = Ownership.mode(target, LinkOption.NOFOLLOW_LINKS);
            if (currentMode != mode.bits()) {
                changes.add("mode " + new FileMode(currentMode) + " -> " + mode);
            }
            if (user.isPresent() && !user.get().equals(current.owner())) {
                changes.add("owner " + current.owner().getName() + " -> " + user.get().getName());
            }
            if (group.isPresent() && !group.get().equals(current.group())) {
                changes.add("group " + current.group().getName() + " -> " + group.get().getName());
            }
        }
        if (changes.isEmpty()) {
            return StateResult.unchanged("File " + path + " is in the correct state");
        }
        if (dryRun) {
            return StateResult.changed(changes.comment("The file " + path + " is set to be changed"), null);
        }
        if (execution.isStopped()) {
            return StateResult.failed(execution.stopReason().orElseThrow(), null);
        }
        if (write) {
            UserPrincipal owner = user.orElse(current == null ? null : current.owner());
            GroupPrincipal ownerGroup = group.orElse(current == null ? null : current.group());
            replaceContent(target, content.orElse(new byte[0]), mode, owner, ownerGroup);
        } else {
            if (Ownership.mode(target, LinkOption.NOFOLLOW_LINKS) != mode.bits()) {
                Ownership.setMode(target, mode.bits());
            }
            if (user.isPresent() && !user.get().equals(current.owner())) {
                Ownership.setOwner(target, user.get());
            }
            if (group.isPresent() && !group.get().equals(current.group())) {
                Ownership.setGroup(target, group.get());
            }
        }
        return StateResult.changed(changes.comment("File " + path + " updated"), null);
    }

    /** Writes {@code bytes} to a temporary file beside {@code target}, sets its attributes, renames it over {@code target}. */
    private static void replaceContent(Path target, byte[] bytes, FileMode mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".opsagent",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            if (owner != null) {
                Ownership.setOwner(temp, owner);
            }
            if (group != null) {
                Ownership.setGroup(temp, group);
            }
            Ownership.setMode(temp, mode.bits());
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static boolean sameContent(Path file, long size, byte[] wanted) throws IOException {
        if (size != wanted.length) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[8192];
            int offset = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (offset + n > wanted.length
                        || !Arrays.equals(buffer, 0, n, wanted, offset, offset + n)) {
                    return false;
                }
                offset += n;
            }
            return offset == wanted.length;
        }
    }
}
