package io.opsagent.fsm.internal.exec.builtin;

import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.internal.exec.FileMode;
import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * {@code linux.dir}: every directory of {@code path} exists (missing parents are created too,
 * each with the same mode and owner) with {@code mode} (default {@code 0755}) and, when given,
 * {@code user} and {@code group}; with {@code recursive} (default true) the given owner and
 * group also apply to everything below, symbolic links themselves included but never followed.
 * The mode applies to the listed directories and the ones created. {@code absent: true} removes
 * each directory with its content.
 */
final class DirModule implements BuiltinModule {

    @Override
    public StateResult apply(Params p, boolean dryRun, Execution execution) throws IOException {
        List<String> paths = p.requiredAbsolutePaths("path");
        boolean absent = p.bool("absent", false);
        List<String> comments = new ArrayList<>();
        boolean changed = false;
        if (absent) {
            for (String path : paths) {
                Removal.Outcome o = Removal.remove(Path.of(path), dryRun);
                comments.add(o.comment());
                changed |= o.removed();
            }
            return new StateResult(true, changed, String.join("\n", comments), null);
        }
        FileMode mode = p.mode("mode", "0755");
        Optional<UserPrincipal> user = Ownership.user(p, "user");
        Optional<GroupPrincipal> group = Ownership.group(p, "group");
        boolean recursive = p.bool("recursive", true) && (user.isPresent() || group.isPresent());
        for (String text : paths) {
            Path dir = Path.of(text);
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                return StateResult.failed("Specified location " + dir + " exists and is a file", null);
            }
            Changes changes = plan(dir, mode, user, group, recursive);
            if (changes.isEmpty()) {
                comments.add("Directory " + dir + " is in the correct state");
                continue;
            }
            changed = true;
            if (dryRun) {
                comments.add(changes.comment("The directory " + dir + " is set to be changed"));
                continue;
            }
            if (execution.isStopped()) {
                return StateResult.failed(execution.stopReason().orElseThrow(), null);
            }
            apply(dir, mode, user, group, recursive);
            comments.add(changes.comment("Directory " + dir + " updated"));
        }
        return new StateResult(true, changed, String.join("\n", comments), null);
    }

    private static Changes plan(Path dir, FileMode mode, Optional<UserPrincipal> user, Optional<GroupPrincipal> group,
            boolean recursive) throws IOException {
        Changes changes = new Changes();
        if (!Files.exists(dir)) {
            changes.add("new directory");
            return changes;
        }
        PosixFileAttributes attrs = Ownership.attributes(dir);
        int current = Ownership.mode(dir);
        if (current != mode.bits()) {
            changes.add("mode " + new FileMode(current) + " -> " + mode);
        }
        if (user.isPresent() && !user.get().equals(attrs.owner())) {
            changes.add("owner " + attrs.owner().getName() + " -> " + user.get().getName());
        }
        if (group.isPresent() && !group.get().equals(attrs.group())) {
            changes.add("group " + attrs.group().getName() + " -> " + group.get().getName());
        }
        if (recursive) {
            int below = countBelowNeedingOwnership(dir, user, group);
            if (below > 0) {
                changes.add("owner/group of " + below + " entries below");
            }
        }
        return changes;
    }

    private static void apply(Path dir, FileMode mode, Optional<UserPrincipal> user, Optional<GroupPrincipal> group,
            boolean recursive) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path d = dir; d != null && !Files.exists(d); d = d.getParent()) {
            missing.push(d);
        }
        for (Path d : missing) {
            Files.createDirectory(d);
            setAttributes(d, mode, user, group);
        }
        if (missing.isEmpty()) {
            setAttributes(dir, mode, user, group);
        }
        if (recursive) {
            applyBelow(dir, user, group);
        }
    }

    private static void setAttributes(Path d, FileMode mode, Optional<UserPrincipal> user, Optional<GroupPrincipal> group)
            throws IOException {
        PosixFileAttributes attrs = Ownership.attributes(d);
        if (user.isPresent() && !user.get().equals(attrs.owner())) {
            Ownership.setOwner(d, user.get());
        }
        if (group.isPresent() && !group.get().equals(attrs.group())) {
            Ownership.setGroup(d, group.get());
        }
        if (Ownership.mode(d) != mode.bits()) {
            Ownership.setMode(d, mode.bits());
        }
    }

    private static int countBelowNeedingOwnership(Path dir, Optional<UserPrincipal> user, Optional<GroupPrincipal> group)
            throws IOException {
        int[] count = {0};
        walkBelow(dir, entry -> {
            if (needsOwnership(entry, user, group)) {
                count[0]++;
            }
        });
        return count[0];
    }

    private static void applyBelow(Path dir, Optional<UserPrincipal> user, Optional<GroupPrincipal> group) throws IOException {
        walkBelow(dir, entry -> {
            PosixFileAttributes attrs = Ownership.attributes(entry, LinkOption.NOFOLLOW_LINKS);
            if (user.isPresent() && !user.get().equals(attrs.owner())) {
                Ownership.setOwner(entry, user.get(), LinkOption.NOFOLLOW_LINKS);
            }
            if (group.isPresent() && !group.get().equals(attrs.group())) {
                Ownership.setGroup(entry, group.get(), LinkOption.NOFOLLOW_LINKS);
            }
        });
    }

    private static boolean needsOwnership(Path entry, Optional<UserPrincipal> user, Optional<GroupPrincipal> group)
            throws IOException {
        PosixFileAttributes attrs = Ownership.attributes(entry, LinkOption.NOFOLLOW_LINKS);
        return (user.isPresent() && !user.get().equals(attrs.owner()))
                || (group.isPresent() && !group.get().equals(attrs.group()));
    }

    /** Visits every entry below {@code dir} (not {@code dir} itself) without following links. */
    private static void walkBelow(Path dir, EntryAction action) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!d.equals(dir)) {
                    action.visit(d);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!file.equals(dir)) {
                    action.visit(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @FunctionalInterface
    private interface EntryAction {
        void visit(Path entry) throws IOException;
    }
}
