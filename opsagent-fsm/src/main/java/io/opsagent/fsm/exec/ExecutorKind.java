package io.opsagent.fsm.exec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which executor applies states: the {@code kind} setting. */
public enum ExecutorKind {

    /** Salt when {@code salt-call} is found, otherwise the built-in executor. */
    AUTO,

    /** Always Salt; starting fails when {@code salt-call} cannot be found. */
    SALT,

    /** Always the built-in executor: core file and command modules only. */
    NATIVE;

    /** The setting's value: {@code auto}, {@code salt} or {@code native}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a setting value, ignoring case and surrounding blanks.
     *
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static ExecutorKind parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (ExecutorKind k : values()) {
            if (k.value().equals(v)) {
                return k;
            }
        }
        throw new IllegalArgumentException("executor kind must be one of "
                + Arrays.stream(values()).map(ExecutorKind::value).collect(Collectors.joining(", "))
                + ", got \"" + value + "\"");
    }
}
