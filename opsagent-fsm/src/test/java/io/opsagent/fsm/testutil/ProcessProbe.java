package io.opsagent.fsm.testutil;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds test processes by a unique token in their command line, e.g. the fractional seconds of
 * {@code sleep 300.48213}, so a test can check that every process of a tree is gone.
 */
public final class ProcessProbe {

    private final String token;

    private ProcessProbe(String token) {
        this.token = token;
    }

    /** A probe with a fresh token of the form {@code 300.<digits>}, usable as a sleep duration. */
    public static ProcessProbe sleepToken() {
        return new ProcessProbe("300." + (100000 + ThreadLocalRandom.current().nextInt(900000)));
    }

    /** A probe for command lines that contain {@code token}. */
    public static ProcessProbe of(String token) {
        return new ProcessProbe(token);
    }

    public String token() {
        return token;
    }

    /** The pids of live processes whose command line contains the token. */
    public List<Long> pids() {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> commandLine(p).map(c -> c.contains(token)).orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }

    /** The pids of live processes running {@code program} (e.g. {@code sleep}) whose command line contains the token. */
    public List<Long> pidsRunning(String program) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.equals(program) || c.endsWith("/" + program)).orElse(false))
                .filter(p -> commandLine(p).map(c -> c.contains(token)).orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }

    /** Whether the process {@code pid} is still alive. */
    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static Optional<String> commandLine(ProcessHandle p) {
        ProcessHandle.Info info = p.info();
        Optional<String> command = info.command();
        Optional<String[]> args = info.arguments();
        if (command.isEmpty() && args.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(command.orElse("") + " " + String.join(" ", args.orElse(new String[0])));
    }
}
