package io.opsagent.launcher.status;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the running agent is doing, as kept in {@code status.json} (schema in docs/status.md).
 * Fields documented as nullable are {@code null} when they do not apply.
 *
 * @param agentVersion the agent's build version
 * @param pid the agent's process id
 * @param startedAt when the agent started
 * @param updatedAt when this status was written
 * @param connectionState the connection's state, e.g. {@code CONNECTING}, {@code ONLINE}, {@code BACKING_OFF}
 * @param backendUri the backend's URI without user info; nullable
 * @param roundState the round machine's state, e.g. {@code IDLE}, {@code EXECUTING}, {@code BACKOFF}
 * @param recipeVersion the loaded recipe's version; nullable (no recipe yet)
 * @param stateCount the number of states in the loaded recipe
 * @param currentState the state being applied or waited on; nullable
 * @param nextRoundAt when the next round or retry starts (in {@code IDLE} or {@code BACKOFF}); nullable
 * @param nextReconnectAt when the next connection attempt starts (in {@code BACKING_OFF}); nullable
 * @param lastResults the results of the current or last round so far, in recipe order
 * @param outboxDepth StateLogs waiting to be delivered to the backend
 * @param lastRejectedRecipe the last recipe from the backend refused for a problem; nullable
 * @param instanceIdProblem why the instance id cannot be fetched, while the agent keeps trying; nullable
 * @param lastRefusedFrame the last frame from the backend refused for breaking a protocol limit; nullable
 * @param droppedInputs what the round machine has dropped or ignored since the agent started; nullable
 *     (a status file written before these were counted)
 */
public record AgentStatus(
        String agentVersion,
        long pid,
        Instant startedAt,
        Instant updatedAt,
        String connectionState,
        String backendUri,
        String roundState,
        Long recipeVersion,
        int stateCount,
        CurrentState currentState,
        Instant nextRoundAt,
        Instant nextReconnectAt,
        List<StateOutcome> lastResults,
        int outboxDepth,
        RejectedRecipe lastRejectedRecipe,
        String instanceIdProblem,
        RefusedFrame lastRefusedFrame,
        DroppedInputs droppedInputs) {

    /** The connection state before the connection starts, while the instance id cannot be fetched. */
    public static final String WAITING_FOR_INSTANCE_ID = "WAITING_FOR_INSTANCE_ID";

    /** A status without counts of dropped inputs. */
    public AgentStatus(String agentVersion, long pid, Instant startedAt, Instant updatedAt, String connectionState,
            String backendUri, String roundState, Long recipeVersion, int stateCount, CurrentState currentState,
            Instant nextRoundAt, Instant nextReconnectAt, List<StateOutcome> lastResults, int outboxDepth,
            RejectedRecipe lastRejectedRecipe, String instanceIdProblem, RefusedFrame lastRefusedFrame) {
        this(agentVersion, pid, startedAt, updatedAt, connectionState, backendUri, roundState, recipeVersion, stateCount,
                currentState, nextRoundAt, nextReconnectAt, lastResults, outboxDepth, lastRejectedRecipe,
                instanceIdProblem, lastRefusedFrame, null);
    }

    /**
     * The inputs the round machine dropped or ignored, by kind (see docs/round-machine.md): events
     * no transition took, results and timeouts of states already over, timers called off,
     * releases for another recipe version or of no wait state, re-pushes of the loaded version,
     * and actions that threw.
     */
    public record DroppedInputs(long rejectedEvents, long lateResults, long staleTimeouts, long staleTimers,
            long staleReleases, long unknownWaitReleases, long repeatedRecipes, long actionFailures) {

        /** All of them together. */
        public long total() {
            return rejectedEvents + lateResults + staleTimeouts + staleTimers + staleReleases + unknownWaitReleases
                    + repeatedRecipes + actionFailures;
        }
    }

    /** A status without a refused frame. */
    public AgentStatus(String agentVersion, long pid, Instant startedAt, Instant updatedAt, String connectionState,
            String backendUri, String roundState, Long recipeVersion, int stateCount, CurrentState currentState,
            Instant nextRoundAt, Instant nextReconnectAt, List<StateOutcome> lastResults, int outboxDepth,
            RejectedRecipe lastRejectedRecipe, String instanceIdProblem) {
        this(agentVersion, pid, startedAt, updatedAt, connectionState, backendUri, roundState, recipeVersion, stateCount,
                currentState, nextRoundAt, nextReconnectAt, lastResults, outboxDepth, lastRejectedRecipe,
                instanceIdProblem, null);
    }

    /** A status while the instance id is known. */
    public AgentStatus(String agentVersion, long pid, Instant startedAt, Instant updatedAt, String connectionState,
            String backendUri, String roundState, Long recipeVersion, int stateCount, CurrentState currentState,
            Instant nextRoundAt, Instant nextReconnectAt, List<StateOutcome> lastResults, int outboxDepth,
            RejectedRecipe lastRejectedRecipe) {
        this(agentVersion, pid, startedAt, updatedAt, connectionState, backendUri, roundState, recipeVersion, stateCount,
                currentState, nextRoundAt, nextReconnectAt, lastResults, outboxDepth, lastRejectedRecipe, null);
    }

    /** A status without a connection attempt pending and without a refused recipe. */
    public AgentStatus(String agentVersion, long pid, Instant startedAt, Instant updatedAt, String connectionState,
            String backendUri, String roundState, Long recipeVersion, int stateCount, CurrentState currentState,
            Instant nextRoundAt, List<StateOutcome> lastResults, int outboxDepth) {
        this(agentVersion, pid, startedAt, updatedAt, connectionState, backendUri, roundState, recipeVersion, stateCount,
                currentState, nextRoundAt, null, lastResults, outboxDepth, null);
    }

    /**
     * A recipe the agent refused as a whole, before any of it ran.
     *
     * @param recipeVersion its version
     * @param reason every problem found, one per line
     * @param at when it was refused
     */
    public record RejectedRecipe(long recipeVersion, String reason, Instant at) {
        public RejectedRecipe {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A frame from the backend that the agent refused because it broke a protocol limit.
     *
     * @param limit the broken setting, e.g. {@code maxFrameBytes}, {@code maxStates}
     * @param seen the size or count read when the frame was refused (exact for {@code maxFrameBytes},
     *     else the first value past the limit)
     * @param max the limit
     * @param frameType the frame's {@code code} when known; nullable
     * @param reason the refusal as logged
     * @param at when it was refused
     */
    public record RefusedFrame(String limit, long seen, long max, String frameType, String reason, Instant at) {
        public RefusedFrame {
            Objects.requireNonNull(limit, "limit");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(at, "at");
        }
    }

    public AgentStatus {
        Objects.requireNonNull(agentVersion, "agentVersion");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(connectionState, "connectionState");
        Objects.requireNonNull(roundState, "roundState");
        lastResults = lastResults == null ? List.of() : List.copyOf(lastResults);
        if (stateCount < 0 || outboxDepth < 0) {
            throw new IllegalArgumentException("stateCount and outboxDepth cannot be negative");
        }
    }

    /**
     * The state being applied.
     *
     * @param index its 0-based position in the recipe
     * @param id its id
     * @param module its module, e.g. {@code linux.file}
     * @param attempt 1 in {@code EXECUTING}, 2 in {@code RETRYING}
     * @param startedAt when this attempt started; nullable (not known)
     * @param waitingFor for a wait state ({@code meta.wait}), the states of other hosts it waits
     *     on, as its {@code state} parameter names them (e.g. {@code @{db.state.1}}); null otherwise
     */
    public record CurrentState(int index, String id, String module, int attempt, Instant startedAt,
            List<String> waitingFor) {
        public CurrentState {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(module, "module");
            waitingFor = waitingFor == null ? null : List.copyOf(waitingFor);
        }

        /** A current state that is not a wait state. */
        public CurrentState(int index, String id, String module, int attempt, Instant startedAt) {
            this(index, id, module, attempt, startedAt, null);
        }

        /** A current state whose start is not known. */
        public CurrentState(int index, String id, String module, int attempt) {
            this(index, id, module, attempt, null);
        }
    }

    /**
     * One state's result.
     *
     * @param id the state's id
     * @param module its module
     * @param ok whether it succeeded
     * @param comment the result comment; nullable
     * @param finishedAt when it finished
     */
    public record StateOutcome(String id, String module, boolean ok, String comment, Instant finishedAt) {
        public StateOutcome {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(finishedAt, "finishedAt");
        }
    }
}
