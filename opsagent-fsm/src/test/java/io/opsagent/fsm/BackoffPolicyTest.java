package io.opsagent.fsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffPolicyTest {

    private final BackoffPolicy policy =
            BackoffPolicy.proportional(Duration.ofSeconds(5), Duration.ofMinutes(5), 0.2);

    @Test
    void nominalDelayDoublesFromTheInitialDelayUpToTheCap() {
        assertThat(policy.nominalDelay(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.nominalDelay(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.nominalDelay(7)).isEqualTo(Duration.ofSeconds(300));
        assertThat(policy.nominalDelay(8)).isEqualTo(Duration.ofMinutes(5));
        assertThat(policy.nominalDelay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void proportionalJitterStaysWithinTwentyPercentAndSpreadsEvenly() {
        Random random = new Random(7);
        int[] buckets = new int[4];
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            double ratio = policy.delay(3, random).toNanos() / (double) Duration.ofSeconds(20).toNanos();
            assertThat(ratio).isBetween(0.8, 1.2);
            buckets[(int) Math.min(3, (ratio - 0.8) / 0.1)]++;
        }
        for (int b : buckets) {
            assertThat(b).as("each tenth of the ±20 %% band gets about a quarter").isBetween(n / 4 - 500, n / 4 + 500);
        }
    }

    @Test
    void fullJitterDrawsBetweenZeroAndTheNominalDelay() {
        BackoffPolicy full = BackoffPolicy.fullJitter(Duration.ofSeconds(1), Duration.ofSeconds(60));
        Random random = new Random(3);
        double sum = 0;
        for (int i = 0; i < 10_000; i++) {
            Duration d = full.delay(4, random);
            assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(8));
            sum += d.toMillis();
        }
        assertThat(sum / 10_000).as("mean of a uniform draw over [0, 8 s]").isBetween(3_800.0, 4_200.0);
    }

    @Test
    void sameSeedGivesTheSameDelays() {
        assertThat(policy.delay(2, new Random(11))).isEqualTo(policy.delay(2, new Random(11)));
    }

    @Test
    void invalidPoliciesAreRefusedWhenBuilt() {
        assertThatThrownBy(() -> BackoffPolicy.proportional(Duration.ofSeconds(10), Duration.ofSeconds(5), 0.2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maximum delay PT5S must not be less than the initial delay PT10S");
        assertThatThrownBy(() -> BackoffPolicy.proportional(Duration.ZERO, Duration.ofSeconds(5), 0.2))
                .hasMessage("initial delay must be positive, got PT0S");
        assertThatThrownBy(() -> BackoffPolicy.proportional(Duration.ofSeconds(1), Duration.ofSeconds(5), 1.5))
                .hasMessage("jitter must be in [0, 1), got 1.5");
        assertThatThrownBy(() -> policy.nominalDelay(0)).hasMessage("attempt must be at least 1, got 0");
    }
}
