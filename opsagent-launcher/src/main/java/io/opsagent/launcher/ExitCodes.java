package io.opsagent.launcher;

/** The exit codes of {@code opsagent}; scripts and the systemd unit rely on them. */
public final class ExitCodes {

    /** Done; for {@code status}: the agent runs. */
    public static final int OK = 0;
    /** Wrong arguments, a bad configuration, an unfit host, another agent running, or an error. */
    public static final int ERROR = 1;
    /** {@code apply}: the round ran and at least one state failed. */
    public static final int STATE_FAILED = 2;
    /** {@code status}: no agent runs under this root. */
    public static final int NOT_RUNNING = 3;
    /**
     * {@code run}: an upgrade was installed; restart the agent (from the {@code current} link) to
     * run it. The systemd unit restarts on it ({@code RestartForceExitStatus=75}); 75 is
     * {@code EX_TEMPFAIL} of sysexits.h.
     */
    public static final int RESTART_FOR_UPGRADE = 75;

    private ExitCodes() {}
}
