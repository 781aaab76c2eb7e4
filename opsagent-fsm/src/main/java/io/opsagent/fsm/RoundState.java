package io.opsagent.fsm;

/** The states of the round machine: what the agent is doing with its recipe. */
public enum RoundState {

    /** No recipe, or a round finished and the next one is scheduled after the round interval. */
    IDLE,

    /** First attempt of a round: the recipe's states run one by one, in order. */
    EXECUTING,

    /** A state failed in the first attempt; the round restarted from its first state at once. */
    RETRYING,

    /** The current state is a wait state; the round is held until the backend releases it. */
    WAITING_FOR_DONE,

    /** The retry attempt failed too; the round ceased, and the recipe is retried after a growing delay. */
    BACKOFF,

    /** An upgrade was ordered and no round is running; the upgrade is under way. */
    PENDING_UPGRADE,

    /** The agent was shut down, or replaced by its upgrade; terminal. */
    STOPPED,

    /**
     * Not a state the agent rests in: the choice the machine passes through, within the event
     * that got there, when the round reaches its next state: a comment or a released wait is
     * passed, a held wait holds the round, any other state runs, and after the last state the
     * round ends. Never the state of a snapshot, never told to a listener.
     */
    STATE_REACHED
}
