package io.opsagent.launcher.config;

import java.util.Locale;
import java.util.Optional;

/** Which executor applies the states of a recipe ({@code [executor] kind}, {@code apply --executor}). */
public enum ExecutorKind {
    /** Salt when {@code salt-call} is found, else the built-in executor. */
    AUTO,
    /** Always Salt ({@code [salt] salt_call}); a state fails when Salt is missing. */
    SALT,
    /** Always the built-in executor for the core modules. */
    NATIVE;

    /** The name as written in the file and on the command line. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ExecutorKind> fromConfigName(String text) {
        for (ExecutorKind kind : values()) {
            if (kind.configName().equals(text)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
