package io.opsagent.launcher.config;

import java.util.Locale;
import java.util.Optional;

/** The agent's log level, {@code [global] loglvl}; the names are the original agent's. */
public enum LogLevel {
    TRACE,
    DEBUG,
    INFO,
    WARNING,
    ERROR;

    /** Reads a level in any case; {@code WARN} is accepted for {@code WARNING}. */
    public static Optional<LogLevel> fromConfigName(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        if (upper.equals("WARN")) {
            return Optional.of(WARNING);
        }
        for (LogLevel level : values()) {
            if (level.name().equals(upper)) {
                return Optional.of(level);
            }
        }
        return Optional.empty();
    }

    /** The Log4j level name. */
    public String log4jName() {
        return this == WARNING ? "WARN" : name();
    }
}
