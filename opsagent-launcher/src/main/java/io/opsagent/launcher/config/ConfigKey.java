package io.opsagent.launcher.config;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One key of the configuration file.
 *
 * @param section the INI section, without brackets
 * @param name the key, in lower case
 * @param type how the value is written and checked
 * @param defaultValue the default as written in the file (host paths before {@code --root} is
 *     applied), or {@code null} when the key has no default
 */
public record ConfigKey(String section, String name, ValueType type, String defaultValue) {

    public ConfigKey {
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    /** {@code [round] interval}: how the key is named in messages and documents. */
    public String displayName() {
        return "[" + section + "] " + name;
    }

    /** The environment variable that overrides the key: {@code OPSAGENT_<SECTION>_<KEY>}, upper case. */
    public String environmentVariable() {
        return "OPSAGENT_" + section.toUpperCase(Locale.ROOT) + "_" + name.toUpperCase(Locale.ROOT);
    }

    public Optional<String> defaultText() {
        return Optional.ofNullable(defaultValue);
    }

    /** False for the original agent's keys that are accepted but not used any more. */
    public boolean isUsed() {
        return type != ValueType.IGNORED;
    }
}
