package io.opsagent.launcher.cli;

import io.opsagent.fsm.OpsAgentException;

/** The command line is wrong; the launcher prints the message and the usage text on stderr and exits 1. */
public class UsageException extends OpsAgentException {

    public UsageException(String message) {
        super(message);
    }
}
