package io.opsagent.fsm.internal;

import io.opsagent.fsm.RoundEvent;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.spi.StateResult;
import java.time.Duration;
import java.util.Objects;

/**
 * What an event of the round machine carries: one record per event, each naming its event. The
 * machine's guards and actions are declared for the record they read (see
 * {@link RoundMachineFactory}), so a guard can only be put on a transition of its own event.
 */
sealed interface RoundInput {

    /** The event this input is dispatched as. */
    RoundEvent event();

    /** A recipe from the backend. */
    record RecipeArrived(RecipeMetadata recipe) implements RoundInput {
        public RecipeArrived {
            Objects.requireNonNull(recipe, "recipe");
        }

        @Override
        public RoundEvent event() {
            return RoundEvent.RECIPE_RECEIVED;
        }
    }

    /** The backend released wait state {@code done.id()} of the loaded recipe version. */
    record WaitReleased(StateDone done) implements RoundInput {
        public WaitReleased {
            Objects.requireNonNull(done, "done");
        }

        @Override
        public RoundEvent event() {
            return RoundEvent.DONE_RECEIVED;
        }
    }

    /** The executor's result of the run with {@code token}. */
    record StateCompleted(long token, StateResult result) implements RoundInput {
        public StateCompleted {
            Objects.requireNonNull(result, "result");
        }

        @Override
        public RoundEvent event() {
            return result.success() ? RoundEvent.STATE_SUCCEEDED : RoundEvent.STATE_FAILED;
        }
    }

    /** The state with {@code token} was reached {@code timeout} ago and has not completed. */
    record StateTimedOut(long token, Duration timeout) implements RoundInput {
        @Override
        public RoundEvent event() {
            return RoundEvent.STATE_TIMED_OUT;
        }
    }

    /** The round timer with {@code token} (interval or backoff) fell due. */
    record TimerFired(long token) implements RoundInput {
        @Override
        public RoundEvent event() {
            return RoundEvent.TIMER_FIRED;
        }
    }

    /** The backend ordered an upgrade. */
    record UpgradeOrdered(AgentUpdate order) implements RoundInput {
        public UpgradeOrdered {
            Objects.requireNonNull(order, "order");
        }

        @Override
        public RoundEvent event() {
            return RoundEvent.UPGRADE_ORDERED;
        }
    }

    /** The upgrade to {@code order} is installed. */
    record UpgradeFinished(AgentUpdate order) implements RoundInput {
        @Override
        public RoundEvent event() {
            return RoundEvent.UPGRADE_FINISHED;
        }
    }

    /** The upgrade could not be carried out, for {@code reason}. */
    record UpgradeFailed(String reason) implements RoundInput {
        @Override
        public RoundEvent event() {
            return RoundEvent.UPGRADE_FAILED;
        }
    }

    /** The agent started with a round kept on disk: it goes on at the kept state and attempt. */
    record Resume() implements RoundInput {
        @Override
        public RoundEvent event() {
            return RoundEvent.RESUME;
        }
    }

    /** The agent is shutting down. */
    record Stop() implements RoundInput {
        @Override
        public RoundEvent event() {
            return RoundEvent.STOP;
        }
    }
}
