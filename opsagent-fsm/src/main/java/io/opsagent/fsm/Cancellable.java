package io.opsagent.fsm;

/** Something scheduled or started that can be called off. */
@FunctionalInterface
public interface Cancellable {

    /** Calls it off; idempotent. Cancelling something that already ran does nothing. */
    void cancel();

    /** A handle that cancels nothing. */
    Cancellable NONE = () -> { };
}
