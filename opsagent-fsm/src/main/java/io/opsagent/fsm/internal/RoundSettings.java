package io.opsagent.fsm.internal;

import io.opsagent.fsm.BackoffPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * The timings of the round machine.
 *
 * @param roundInterval pause after a successful round before the next one
 * @param backoff delays after ceased rounds
 * @param stateTimeout how long one state may run before it is killed and counts as failed
 * @param dryRun apply states in dry-run mode: report what would change, change nothing
 */
public record RoundSettings(Duration roundInterval, BackoffPolicy backoff, Duration stateTimeout, boolean dryRun) {

    public static final Duration DEFAULT_ROUND_INTERVAL = Duration.ofMinutes(10);
    public static final Duration DEFAULT_STATE_TIMEOUT = Duration.ofHours(1);

    public RoundSettings {
        Objects.requireNonNull(backoff, "backoff");
        requirePositive(roundInterval, "round interval");
        requirePositive(stateTimeout, "state timeout");
    }

    private static void requirePositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
    }
}
