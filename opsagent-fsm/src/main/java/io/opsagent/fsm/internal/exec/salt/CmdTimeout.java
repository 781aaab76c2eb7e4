package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.protocol.RecipeState;
import java.time.Duration;
import java.util.Optional;

/**
 * A {@code linux.cmd} state's own {@code timeout}, enforced by the agent under Salt: Salt's
 * {@code cmd.run} kills only the shell, and a process the command left behind keeps Salt
 * waiting on its output, so the agent kills the whole tree itself when the time is up (as the
 * built-in executor does, with the same message).
 *
 * @param duration the command's timeout
 * @param reason the stop reason, e.g. {@code Command "sleep 20" timed out after 2 s}
 */
public record CmdTimeout(Duration duration, String reason) {

    /** The timeout of {@code state} when it is a {@code linux.cmd} with valid parameters. */
    public static Optional<CmdTimeout> of(RecipeState state) {
        if (!"linux.cmd".equals(state.module())) {
            return Optional.empty();
        }
        try {
            Params p = Params.of(state);
            String cmd = p.requiredString("cmd");
            long seconds = p.positiveInteger("timeout", 600);
            return Optional.of(new CmdTimeout(Duration.ofSeconds(seconds),
                    "Command \"" + cmd + "\" timed out after " + seconds + " s"));
        } catch (RuntimeException e) {
            return Optional.empty(); // the translation reports bad parameters
        }
    }
}
