package io.opsagent.fsm.internal.exec.process;

/** A started child process whose whole tree can be killed: what a stopped state execution kills. */
public interface KillableTree {

    long pid();

    /**
     * Kills every process of the tree with SIGKILL; safe to call more than once and from any
     * thread.
     *
     * @return how many processes were signalled by this call
     */
    int killTree();
}
