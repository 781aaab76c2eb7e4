package io.opsagent.launcher.cli;

import io.opsagent.fsm.OpsAgentException;

/**
 * The command line is wrong; the launcher prints the message and the usage help of the command
 * on stderr and exits 1.
 */
public class UsageException extends OpsAgentException {

    private final String usage;

    public UsageException(String message) {
        this(message, "");
    }

    public UsageException(String message, String usage) {
        super(message);
        this.usage = usage;
    }

    /** The usage help of the command the message is about; empty when not known. */
    public String usage() {
        return usage;
    }
}
