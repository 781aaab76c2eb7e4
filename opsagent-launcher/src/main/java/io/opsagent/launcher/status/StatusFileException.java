package io.opsagent.launcher.status;

import io.opsagent.fsm.OpsAgentException;

/** The status file cannot be written, read or understood; the message names the file. */
public class StatusFileException extends OpsAgentException {

    public StatusFileException(String message) {
        super(message);
    }

    public StatusFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
