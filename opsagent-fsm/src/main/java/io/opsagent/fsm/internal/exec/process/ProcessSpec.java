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
 * @param environment variables set on top of the agent's environment
 * @param mergeErrorIntoOutput whether stderr goes into the same capture as stdout
 * @param stdoutLimit what is kept of stdout
 * @param stderrLimit what is kept of stderr (ignored when merged)
 */
public record ProcessSpec(
        List<String> command,
        Path directory,
        Map<String, String> environment,
        boolean mergeErrorIntoOutput,
        OutputLimit stdoutLimit,
        OutputLimit stderrLimit) {

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
