package io.opsagent.launcher.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in the configuration: a whole number and one unit, {@code 500ms},
 * {@code 5s}, {@code 10m} or {@code 1h}. Nothing else is accepted (no bare numbers, no
 * fractions, no spaces), so a value always means one thing.
 */
public final class Durations {

    /** The hint every parse error ends with. */
    public static final String HINT = "use e.g. 500ms, 5s, 10m";

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    private Durations() {}

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with a message like {@code '5x' is not a duration (use e.g. 500ms, 5s, 10m)}
     */
    public static Duration parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (" + HINT + ")");
        }
        long amount = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            default:
                return Duration.ofHours(amount);
        }
    }

    /** The shortest exact form of {@code d} in the configuration's notation, e.g. {@code 90s}, {@code 10m}. */
    public static String format(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative duration " + d);
        }
        long millis = d.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }
}
