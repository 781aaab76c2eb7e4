package io.opsagent.fsm.protocol;

import io.opsagent.fsm.OpsAgentException;

/** A frame that cannot be decoded; the message names the field and what was wrong with it. */
public class ProtocolException extends OpsAgentException {

    public ProtocolException(String message) {
        super(message);
    }
}
