package io.opsagent.fsm.spi;

/**
 * The outcome of applying one state.
 *
 * <p>In a dry run, a state that would change something is reported as {@code success} with
 * {@code changed} set: the wire protocol and {@code opsagent apply --json} show it as "would
 * change" ({@code null}).
 *
 * @param success whether the state is (or, in a dry run, can be brought) in the desired state
 * @param changed whether applying it changed (or, in a dry run, would change) the host
 * @param comment a human-readable summary, e.g. "File /etc/motd updated"; may be null
 * @param stdout captured output of commands the state ran, size-capped; may be null
 */
public record StateResult(boolean success, boolean changed, String comment, String stdout) {

    /** A success that changed nothing. */
    public static StateResult unchanged(String comment) {
        return new StateResult(true, false, comment, null);
    }

    /** A success that changed the host. */
    public static StateResult changed(String comment, String stdout) {
        return new StateResult(true, true, comment, stdout);
    }

    /** A failure. */
    public static StateResult failed(String comment, String stdout) {
        return new StateResult(false, false, comment, stdout);
    }
}
