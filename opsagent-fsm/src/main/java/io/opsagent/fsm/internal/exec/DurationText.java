package io.opsagent.fsm.internal.exec;

import java.math.BigDecimal;
import java.time.Duration;

/** Durations in comments: whole seconds as {@code 600 s}, fractions as {@code 0.5 s}. */
final class DurationText {

    private DurationText() {
    }

    static String seconds(Duration d) {
        BigDecimal s = BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros();
        return s.toPlainString() + " s";
    }
}
