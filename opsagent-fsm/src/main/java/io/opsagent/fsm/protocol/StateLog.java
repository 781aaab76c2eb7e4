package io.opsagent.fsm.protocol;

import java.util.Objects;

/**
 * The result of one applied state. Wire code {@code StateLog}.
 *
 * @param instanceId the instance id
 * @param appId the app id
 * @param recipeVersion version of the recipe the state belongs to
 * @param id the state id
 * @param stateResult true when the state succeeded
 * @param stateComment the executor's summary, or null (comment and wait states)
 * @param stateStdout captured command output, or null
 * @param seq extension: a number that grows by one per log, for {@link StateLogAck}; null when
 *     not assigned yet (an old backend ignores the field)
 */
public record StateLog(
        String instanceId,
        String appId,
        long recipeVersion,
        String id,
        boolean stateResult,
        String stateComment,
        String stateStdout,
        Long seq)
        implements AgentMessage {

    public static final String CODE = "StateLog";

    public StateLog {
        Objects.requireNonNull(id, "id");
    }

    @Override
    public String code() {
        return CODE;
    }

    /** This log with its sequence number set. */
    public StateLog withSeq(long newSeq) {
        return new StateLog(instanceId, appId, recipeVersion, id, stateResult, stateComment, stateStdout, newSeq);
    }
}
