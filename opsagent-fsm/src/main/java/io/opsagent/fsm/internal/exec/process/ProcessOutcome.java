package io.opsagent.fsm.internal.exec.process;

/**
 * How a child process ended.
 *
 * @param exitCode the exit status (128 + signal number style values as the JDK reports them)
 * @param stdout what was kept of stdout (stdout and stderr when merged)
 * @param stderr what was kept of stderr ({@link CapturedOutput#EMPTY} when merged)
 * @param killedProcesses how many processes of the tree were killed; 0 when nothing was killed
 * @param outputComplete false when a process outside our control kept an output pipe open and
 *     the capture was cut off after the grace period
 */
public record ProcessOutcome(
        int exitCode, CapturedOutput stdout, CapturedOutput stderr, int killedProcesses, boolean outputComplete) {

    public boolean killed() {
        return killedProcesses > 0;
    }
}
