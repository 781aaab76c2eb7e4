package io.opsagent.launcher;

import java.nio.file.Path;

/**
 * The seam between the launcher and the agent library: the launcher parses the command line,
 * loads and checks the configuration, prepares the host, takes the lock and sets up logging,
 * then calls exactly one of {@link #run}, {@link #apply} or {@link #demo} on the thread that
 * started it. The implementation builds the library's agent from the {@link AgentContext}.
 *
 * <p>Each method returns the process's exit code (see {@link ExitCodes}). An exception it throws
 * is reported as an error and exits 1.
 */
public interface AgentRuntime {

    /**
     * Runs the daemon until {@link #stop()} is called or the agent decides to exit; blocks.
     *
     * @return {@link ExitCodes#OK} after a stop, {@link ExitCodes#RESTART_FOR_UPGRADE} when an
     *     upgrade was installed and the agent must be restarted to run it
     */
    int run(AgentContext context);

    /**
     * Applies one recipe once, without a backend, and prints the results to {@code context.out()}.
     *
     * @return {@link ExitCodes#OK} when every state succeeded, {@link ExitCodes#STATE_FAILED} otherwise
     */
    int apply(AgentContext context, ApplyRequest request);

    /**
     * Runs an embedded backend on loopback and the agent against it for the requested rounds,
     * printing a summary to {@code context.out()}.
     */
    int demo(AgentContext context, DemoRequest request);

    /**
     * Checks every state of {@code recipe} with the configured executor's own checks, applies
     * nothing, and prints what it found to {@code context.out()}.
     *
     * @return {@link ExitCodes#OK} when no problem was found, {@link ExitCodes#ERROR} otherwise
     */
    default int check(AgentContext context, Path recipe) {
        throw new UnsupportedOperationException("this runtime cannot check recipes");
    }

    /**
     * Asks a running {@link #run}, {@link #apply} or {@link #demo} to stop soon and return. Called
     * from the shutdown hook's thread on SIGTERM or SIGINT; must not block for long, must be
     * idempotent, and may be called before or after the command returned.
     */
    void stop();
}
