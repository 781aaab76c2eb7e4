package io.opsagent.launcher.config;

import io.opsagent.fsm.OpsAgentException;

/**
 * The configuration cannot be used. The message names where the bad value came from (file and
 * line, or environment variable), the key, and what is wrong, for example
 * {@code /etc/opsagent.conf:12: [round] interval: '5x' is not a duration (use e.g. 500ms, 5s, 10m)}.
 */
public class ConfigException extends OpsAgentException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    static ConfigException at(Origin origin, String problem) {
        return new ConfigException(origin.describe() + ": " + problem);
    }

    static ConfigException at(Origin origin, ConfigKey key, String problem) {
        return new ConfigException(origin.describe() + ": " + key.displayName() + ": " + problem);
    }
}
