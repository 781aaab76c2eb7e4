package io.opsagent.launcher.config;

/** How the value of a configuration key is written and checked. */
public enum ValueType {
    /** One line of text without control characters. */
    TEXT,
    /** A duration: {@code 500ms}, {@code 5s}, {@code 10m}, {@code 1h}. */
    DURATION,
    /** A positive whole number of minutes (the original's {@code [salt] delay}). */
    MINUTES,
    /** A positive whole number. */
    COUNT,
    /** A {@code ws://} or {@code wss://} URI with a host. */
    WS_URI,
    /** An {@code http://} or {@code https://} URL with a host. */
    HTTP_URI,
    /** An absolute file system path, used as written. */
    PATH,
    /** An absolute host path whose default is placed under {@code --root}; a written value is used as written. */
    HOST_PATH,
    /** {@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARNING} (or {@code WARN}), {@code ERROR}. */
    LOG_LEVEL,
    /** {@code on} or {@code off}. */
    SWITCH,
    /** {@code auto}, {@code salt} or {@code native}. */
    EXECUTOR,
    /** A key of the original agent that this agent accepts and does not use. */
    IGNORED
}
