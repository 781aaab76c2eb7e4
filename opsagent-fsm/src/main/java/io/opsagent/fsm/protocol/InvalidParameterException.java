package io.opsagent.fsm.protocol;

import io.opsagent.fsm.OpsAgentException;

/**
 * A state cannot be applied as given: a parameter is missing, has the wrong type or an invalid
 * value, or the module is not supported. The message is written for the operator, names the
 * parameter, and becomes the failed state's comment. {@link StateParameters} throws it; an
 * executor may throw it for checks of its own.
 */
public final class InvalidParameterException extends OpsAgentException {

    public InvalidParameterException(String message) {
        super(message);
    }
}
