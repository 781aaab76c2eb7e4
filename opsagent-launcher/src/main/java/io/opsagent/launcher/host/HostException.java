package io.opsagent.launcher.host;

import io.opsagent.fsm.OpsAgentException;

/** The host is not fit to run the agent: a directory cannot be made, the token file is unsafe, another agent runs. */
public class HostException extends OpsAgentException {

    public HostException(String message) {
        super(message);
    }

    public HostException(String message, Throwable cause) {
        super(message, cause);
    }
}
