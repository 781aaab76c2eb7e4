package io.opsagent.fsm;

/** The inputs of the round machine. Every one is posted to the agent's event loop. */
public enum RoundEvent {

    /** The backend pushed a recipe (one of the loaded version is ignored by the machine). */
    RECIPE_RECEIVED,

    /** The executor reports that the current state succeeded. */
    STATE_SUCCEEDED,

    /** The executor reports that the current state failed. */
    STATE_FAILED,

    /** The current state (a wait included) ran longer than the state timeout: it is killed and counts as failed. */
    STATE_TIMED_OUT,

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
