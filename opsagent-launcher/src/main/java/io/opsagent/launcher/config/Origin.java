package io.opsagent.launcher.config;

import java.nio.file.Path;

/**
 * Where a configuration value came from, as it is named in messages: {@code /etc/opsagent.conf:12},
 * {@code environment variable OPSAGENT_ROUND_INTERVAL} or {@code built-in default}.
 */
public record Origin(String describe, Kind kind) {

    /** The kinds of source, in increasing precedence. */
    public enum Kind {
        DEFAULT,
        FILE,
        ENVIRONMENT
    }

    public static Origin line(Path file, int line) {
        return new Origin(file + ":" + line, Kind.FILE);
    }

    public static Origin file(Path file) {
        return new Origin(file.toString(), Kind.FILE);
    }

    public static Origin environment(String variable) {
        return new Origin("environment variable " + variable, Kind.ENVIRONMENT);
    }

    public static Origin builtIn() {
        return new Origin("built-in default", Kind.DEFAULT);
    }

    @Override
    public String toString() {
        return describe;
    }
}
