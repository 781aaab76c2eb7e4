package io.opsagent.launcher.upgrade;

import java.util.Objects;

/**
 * An upgrade step could not be carried out. The message is the reason reported to the round
 * machine and the log, complete on its own ("signature of opsagent.tgz 1.3 does not verify with
 * the configured key"); the {@link Kind} says whose fault it was.
 */
public final class UpgradeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Whose fault a failed upgrade was; only {@link #REJECTED} counts against the version. */
    public enum Kind {
        /** The order was not carried out: bad version name, already running, known bad, no key. */
        REFUSED,
        /** The release could not be fetched: HTTP error, missing file, network, timeout. */
        UNAVAILABLE,
        /** The release was fetched but is unfit: checksum, signature, size or content rules. */
        REJECTED,
        /** A problem on this host: disk, permissions, an unreadable key or state file. */
        HOST
    }

    private final Kind kind;

    public UpgradeException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public UpgradeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the release itself is at fault, so the failure counts towards marking it bad. */
    public boolean countsAgainstRelease() {
        return kind == Kind.REJECTED;
    }
}
