package io.opsagent.fsm;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before the next try: exponential growth from an initial delay, doubling up to
 * a cap, with random jitter so that a fleet of agents does not retry in lockstep.
 *
 * <p>Two kinds of jitter:
 * <ul>
 *   <li>{@linkplain #proportional proportional}: the nominal delay scaled by a random factor in
 *       {@code [1 - jitter, 1 + jitter]}, so a ceased round really waits at least
 *       {@code (1 - jitter)} of it (the round backoff: ±20 %);
 *   <li>{@linkplain #fullJitter full}: a random delay in {@code [0, nominal]} (reconnects).
 * </ul>
 * Built and validated once; immutable.
 */
public final class BackoffPolicy {

    /** The default round backoff: 5 s doubling to 5 min, ±20 %. */
    public static final BackoffPolicy ROUND_DEFAULT =
            proportional(Duration.ofSeconds(5), Duration.ofMinutes(5), 0.2);

    private final Duration initial;
    private final Duration max;
    private final double jitter;
    private final boolean full;

    private BackoffPolicy(Duration initial, Duration max, double jitter, boolean full) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial delay must be positive, got " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "maximum delay " + max + " must not be less than the initial delay " + initial);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
        this.initial = initial;
        this.max = max;
        this.jitter = jitter;
        this.full = full;
    }

    /** Exponential backoff with the nominal delay scaled by a random factor in [1 - jitter, 1 + jitter]. */
    public static BackoffPolicy proportional(Duration initial, Duration max, double jitter) {
        return new BackoffPolicy(initial, max, jitter, false);
    }

    /** Exponential backoff with "full jitter": a random delay between zero and the nominal delay. */
    public static BackoffPolicy fullJitter(Duration initial, Duration max) {
        return new BackoffPolicy(initial, max, 0, true);
    }

    public Duration initial() {
        return initial;
    }

    public Duration max() {
        return max;
    }

    /** The delay before try {@code attempt} (1-based) without jitter: initial × 2^(attempt-1), capped. */
    public Duration nominalDelay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
        }
        long initialNanos = initial.toNanos();
        long maxNanos = max.toNanos();
        int shift = Math.min(attempt - 1, 62);
        long nanos = initialNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, initialNanos << shift);
        return Duration.ofNanos(nanos);
    }

    /** The jittered delay before try {@code attempt} (1-based), drawing from {@code random}. */
    public Duration delay(int attempt, RandomGenerator random) {
        long nominal = nominalDelay(attempt).toNanos();
        double factor = full ? random.nextDouble() : 1 + jitter * (2 * random.nextDouble() - 1);
        return Duration.ofNanos(Math.round(nominal * factor));
    }

    @Override
    public String toString() {
        return "BackoffPolicy[" + initial + " doubling to " + max
                + (full ? ", full jitter" : ", jitter ±" + Math.round(jitter * 100) + "%") + "]";
    }
}
