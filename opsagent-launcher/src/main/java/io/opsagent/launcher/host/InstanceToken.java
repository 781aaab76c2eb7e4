package io.opsagent.launcher.host;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The instance token: the secret the agent sends in its Handshake. It is read from the token
 * file, sent as is, and never logged: {@link #toString()} names only the file, and the only way
 * to the value is the deliberately named {@link #reveal()}.
 */
public final class InstanceToken {

    private final Path file;
    private final String value;

    public InstanceToken(Path file, String value) {
        this.file = Objects.requireNonNull(file, "file");
        this.value = Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("empty token from " + file);
        }
    }

    /** The file the token was read from. */
    public Path file() {
        return file;
    }

    /** The secret itself, for the Handshake. Never log it, never put it in an exception message. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "InstanceToken[" + file + ", value redacted]";
    }
}
