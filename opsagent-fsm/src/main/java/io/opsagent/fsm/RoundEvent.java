package io.opsagent.fsm;

/** The inputs of the round machine. Every one is posted to the agent's event loop. */
public enum RoundEvent {

    /** The backend pushed a recipe of a version other than the loaded one. */
    RECIPE_RECEIVED,

    /** The current state succeeded (an executor's result, a skipped comment, a released wait). */
    STATE_SUCCEEDED,

    /** The current state failed, or timed out. */
    STATE_FAILED,

    /** The current state is a wait state that has not been released yet. */
    WAIT_REACHED,

    /** The backend released a wait state of the loaded recipe. */
    DONE_RECEIVED,

    /** The backend ordered an upgrade. */
    UPGRADE_ORDERED,

    /** The upgrade is installed; the new version takes over. */
    UPGRADE_FINISHED,

    /** The upgrade could not be carried out; this version goes on. */
    UPGRADE_FAILED,

    /** A timer fell due: the round interval, or the backoff delay. */
    TIMER_FIRED,

    /** The agent started with a recipe kept on disk: the round resumes where it was. */
    RESUME,

    /** The agent is shutting down. */
    STOP
}
