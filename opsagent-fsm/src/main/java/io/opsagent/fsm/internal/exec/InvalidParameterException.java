package io.opsagent.fsm.internal.exec;

import io.opsagent.fsm.OpsAgentException;

/**
 * A state cannot be applied as given: a parameter is missing, has the wrong type or an invalid
 * value, or the module is not supported. The message is written for the operator and becomes
 * the failed state's comment.
 */
public final class InvalidParameterException extends OpsAgentException {

    public InvalidParameterException(String message) {
        super(message);
    }
}
