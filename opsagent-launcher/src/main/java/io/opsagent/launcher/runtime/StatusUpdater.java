package io.opsagent.launcher.runtime;

import io.opsagent.fsm.AgentSnapshot;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.RecipeCheck;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.RefusedFrame;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.launcher.status.AgentStatus;
import io.opsagent.launcher.status.StatusFile;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps {@code status.json} current: every round transition and every connection change
 * ({@link #request()}) asks for a write, and writes are coalesced on a thread of their own, so
 * the agent's event loop never waits for the disk. A refresh every {@link #REFRESH} picks up
 * what changes without either (the outbox draining as the backend acknowledges).
 */
final class StatusUpdater implements RoundListener, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(StatusUpdater.class);
    static final Duration REFRESH = Duration.ofSeconds(60);
    /**
     * How long after a change the file is written: a burst of changes (a push, a round of
     * comments) makes one write, after the agent has answered the backend.
     */
    static final Duration SETTLE = Duration.ofMillis(100);

    private final StatusFile file;
    private final String agentVersion;
    private final String backendUri;
    private final Clock clock;
    private final Instant startedAt;
    private final ScheduledExecutorService writer;
    private final Map<Integer, AgentStatus.StateOutcome> results = new TreeMap<>();
    private final Object lock = new Object();
    private Supplier<OpsAgent> agent = () -> null;
    private boolean pending;
    private AgentStatus.RejectedRecipe rejected;
    private AgentStatus.RefusedFrame refusedFrame;
    private int startedIndex = -1;
    private Instant stateStartedAt;
    private List<String> stateWaitsFor;

    StatusUpdater(StatusFile file, String agentVersion, String backendUri, Clock clock) {
        this.file = file;
        this.agentVersion = agentVersion;
        this.backendUri = backendUri;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opsagent-status");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts writing for {@code agent}: soon after start, after every transition, and every {@link #REFRESH}. */
    void start(OpsAgent started) {
        this.agent = () -> started;
        writer.scheduleWithFixedDelay(this::request, 0, REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stateChanged(RoundState from, RoundState to) {
        request();
    }

    @Override
    public void stateStarted(long recipeVersion, int index, RecipeState state) {
        synchronized (lock) {
            if (index == 0) {
                results.clear();
            }
            startedIndex = index;
            stateStartedAt = clock.instant();
            stateWaitsFor = state.isWait() ? WaitTargets.of(state) : null;
        }
        request();
    }

    @Override
    public void stateFinished(long recipeVersion, int index, RecipeState state, StateResult result, long nanos) {
        synchronized (lock) {
            results.put(index, new AgentStatus.StateOutcome(state.id(), state.module(), result.success(),
                    result.comment(), clock.instant()));
        }
        request();
    }

    @Override
    public void recipeRejected(long recipeVersion, List<RecipeCheck.Problem> problems) {
        synchronized (lock) {
            rejected = new AgentStatus.RejectedRecipe(recipeVersion, problems.stream()
                    .map(RecipeCheck.Problem::toString).collect(Collectors.joining("\n")), clock.instant());
        }
        request();
    }

    @Override
    public void frameRefused(RefusedFrame refusal) {
        synchronized (lock) {
            refusedFrame = new AgentStatus.RefusedFrame(refusal.limit(), refusal.seen(), refusal.max(),
                    refusal.frameType(), refusal.reason(), clock.instant());
        }
        request();
    }

    /** Asks for a write {@link #SETTLE} from now; several requests before it runs make one write. */
    void request() {
        synchronized (lock) {
            if (pending) {
                return;
            }
            pending = true;
        }
        try {
            writer.schedule(this::write, SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    /** Writes the status now, on the calling thread (used at exit). */
    void writeNow() {
        write();
    }

    private void write() {
        List<AgentStatus.StateOutcome> last;
        AgentStatus.RejectedRecipe lastRejected;
        AgentStatus.RefusedFrame lastRefused;
        int currentIndex;
        Instant currentStartedAt;
        List<String> currentWaitsFor;
        synchronized (lock) {
            currentIndex = startedIndex;
            currentStartedAt = stateStartedAt;
            currentWaitsFor = stateWaitsFor;
            pending = false;
            last = new ArrayList<>(results.values());
            lastRejected = rejected;
            lastRefused = refusedFrame;
        }
        OpsAgent a = agent.get();
        if (a == null) {
            return;
        }
        AgentSnapshot s = a.snapshot();
        AgentStatus.CurrentState current = null;
        if (s.currentStateId() != null && s.stateIndex() < s.stateCount()) {
            boolean known = currentIndex == s.stateIndex();
            current = new AgentStatus.CurrentState(s.stateIndex(), s.currentStateId(), s.currentStateModule(),
                    s.attempt(), known ? currentStartedAt : null, known ? currentWaitsFor : null);
        }
        Instant now = clock.instant();
        AgentStatus status = new AgentStatus(agentVersion, ProcessHandle.current().pid(), startedAt, now,
                a.connectionState().name(), backendUri, s.state().name(),
                s.recipeVersion() == 0 ? null : s.recipeVersion(), s.stateCount(), current,
                a.nextRoundIn().map(now::plus).orElse(null), a.nextReconnectIn().map(now::plus).orElse(null), last,
                a.outboxDepth(), lastRejected, null, lastRefused, dropped(s));
        try {
            file.write(status);
        } catch (RuntimeException e) {
            LOG.warn("cannot write {}: {}", file.file(), e.getMessage());
        }
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The snapshot's counters of dropped and ignored inputs, as status.json's {@code dropped_inputs}. */
    static AgentStatus.DroppedInputs dropped(AgentSnapshot s) {
        return new AgentStatus.DroppedInputs(s.rejectedEvents(), s.lateResults(), s.staleTimeouts(), s.staleTimers(),
                s.staleReleases(), s.unknownWaitReleases(), s.repeatedRecipes(), s.actionFailures());
    }
}
