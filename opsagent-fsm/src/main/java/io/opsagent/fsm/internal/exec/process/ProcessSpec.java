package io.opsagent.fsm.internal.exec.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A child process to start: its argument list (never a shell line), working directory,
 * environment additions and output limits. Standard input is always {@code /dev/null}.
 *
 * @param command the program and its arguments
 * @param directory the working directory, or null for the agent's
 * @param environment variables set on top of the agent's environment, or instead of it
 * @param mergeErrorIntoOutput whether stderr goes into the same capture as stdout
 * @param stdoutLimit what is kept of stdout
 * @param stderrLimit what is kept of stderr (ignored when merged)
 * @param inheritEnvironment whether the agent's environment is the base; when false, the
 *     process gets {@code environment} alone
 */
public record ProcessSpec(
        List<String> command,
        Path directory,
        Map<String, String> environment,
        boolean mergeErrorIntoOutput,
        OutputLimit stdoutLimit,
        OutputLimit stderrLimit,
        boolean inheritEnvironment) {

    /** A process with the agent's environment plus {@code environment}. */
    public ProcessSpec(List<String> command, Path directory, Map<String, String> environment,
            boolean mergeErrorIntoOutput, OutputLimit stdoutLimit, OutputLimit stderrLimit) {
        this(command, directory, environment, mergeErrorIntoOutput, stdoutLimit, stderrLimit, true);
    }

    public ProcessSpec {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        environment = Map.copyOf(environment);
        Objects.requireNonNull(stdoutLimit, "stdoutLimit");
        Objects.requireNonNull(stderrLimit, "stderrLimit");
    }
}
