package io.opsagent.fsm.internal.exec;

import java.util.Objects;

/**
 * One entry of a dict-typed parameter: the wire sends these as a list of
 * {@code {"key": k, "value": v}} objects (package lists, environment variables).
 *
 * @param key the key, never empty
 * @param value the value, empty when the wire had none
 */
public record KeyValue(String key, String value) {

    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
