package io.opsagent.fsm.internal.exec.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the processes of a child's tree.
 *
 * <p>Two sources, because each alone misses some: the live descendants of the root (found
 * through parent links, which break as soon as a parent dies and its children are re-parented),
 * and, when the root was started as a session leader with {@code setsid}, every process whose
 * session id is the root's pid (orphans keep their session, but a process that calls
 * {@code setsid} itself leaves it). The session scan reads {@code /proc/<pid>/stat}; where there
 * is no {@code /proc} only descendants are found. The agent's own process is never included.
 */
final class ProcessTree {

    private static final Path PROC = Path.of("/proc");

    private ProcessTree() {
    }

    /**
     * The live processes of the tree rooted at {@code root}: the root itself, its descendants,
     * and, when {@code sessionId > 0}, the members of that session. Descendants are collected
     * before anything else, while the parent links still hold.
     */
    static Set<ProcessHandle> members(ProcessHandle root, long sessionId) {
        Set<ProcessHandle> found = new LinkedHashSet<>();
        root.descendants().forEach(found::add);
        found.add(root);
        if (sessionId > 0) {
            found.addAll(sessionMembers(sessionId));
        }
        long self = ProcessHandle.current().pid();
        found.removeIf(p -> p.pid() == self || !isRunning(p));
        return found;
    }

    /**
     * Whether a process runs: it is alive and not a zombie. A killed orphan stays a zombie until
     * init reaps it, late in some containers and never in others, and {@link
     * ProcessHandle#isAlive()} counts a zombie as alive; a zombie is dead for the tree.
     */
    static boolean isRunning(ProcessHandle process) {
        return process.isAlive() && stateOf(process.pid()).map(s -> s != 'Z' && s != 'X').orElse(true);
    }

    /** The live processes whose session id is {@code sessionId}, read from {@code /proc}. */
    static List<ProcessHandle> sessionMembers(long sessionId) {
        List<ProcessHandle> out = new ArrayList<>();
        if (!Files.isDirectory(PROC)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!isNumber(name)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                if (sessionOf(pid).orElse(-1L) == sessionId) {
                    ProcessHandle.of(pid).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            // /proc unreadable: fall back to descendants only
        }
        return out;
    }

    /** The session id of {@code pid} from {@code /proc/<pid>/stat}; empty when it cannot be read. */
    static Optional<Long> sessionOf(long pid) {
        try {
            String[] fields = statFields(pid);
            return fields.length > 3 ? Optional.of(Long.parseLong(fields[3])) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The start time of {@code pid} in clock ticks since boot ({@code /proc/<pid>/stat} field 22):
     * with the pid, it names one process, even after the pid is reused. Empty when unknown.
     */
    static Optional<Long> startTimeOf(long pid) {
        try {
            String[] fields = statFields(pid);
            return fields.length > 19 ? Optional.of(Long.parseLong(fields[19])) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The live processes whose environment holds one of {@code entries} ({@code NAME=value}). */
    static List<ProcessHandle> withEnvironmentEntry(Set<String> entries) {
        List<ProcessHandle> out = new ArrayList<>();
        if (entries.isEmpty() || !Files.isDirectory(PROC)) {
            return out;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path entry : dirs) {
                String name = entry.getFileName().toString();
                if (!isNumber(name)) {
                    continue;
                }
                try {
                    byte[] environ = Files.readAllBytes(entry.resolve("environ"));
                    for (String variable : new String(environ, StandardCharsets.ISO_8859_1).split("\0")) {
                        if (entries.contains(variable)) {
                            ProcessHandle.of(Long.parseLong(name)).ifPresent(out::add);
                            break;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // gone, or not ours to read
                }
            }
        } catch (IOException e) {
            // /proc unreadable: the recorded sessions are all there is
        }
        return out;
    }

    /** The state letter of {@code pid} from {@code /proc/<pid>/stat} ({@code Z}: zombie); empty when unknown. */
    static Optional<Character> stateOf(long pid) {
        try {
            String[] fields = statFields(pid);
            return fields.length > 0 && fields[0].length() == 1 ? Optional.of(fields[0].charAt(0)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The fields of {@code /proc/<pid>/stat} after the command name: state, ppid, pgrp, session, ... */
    private static String[] statFields(long pid) throws IOException {
        String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
        // "pid (comm) state ppid pgrp session ...": comm may contain spaces and parentheses
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return new String[0];
        }
        return stat.substring(close + 2).split(" ");
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
