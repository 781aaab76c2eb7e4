package io.opsagent.fsm;

import io.opsagent.fsm.internal.AgentShutdown;
import io.opsagent.fsm.internal.CompositeRoundListener;
import io.opsagent.fsm.internal.RoundMachine;
import io.opsagent.fsm.internal.RoundSettings;
import io.opsagent.fsm.internal.transport.BackendConnection;
import io.opsagent.fsm.internal.transport.SharedHttpClient;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.BackendMessage;
import io.opsagent.fsm.protocol.FrameLimitException;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.ProtocolException;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.protocol.WaitList;
import io.opsagent.fsm.spi.MessageSink;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.Upgrader;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.process.ProcessLedger;
import io.opsagent.fsm.internal.store.AtomicFiles;
import io.opsagent.fsm.internal.store.RoundStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * An agent: receives recipes and applies them in rounds (DESIGN §3), reporting every state's
 * result to a {@link MessageSink}.
 *
 * <pre>{@code
 * OpsAgent agent = OpsAgent.builder()
 *         .identity(new AgentIdentity("i-0abc", "app-1", "1.0.0", token))
 *         .executor(executor)
 *         .sink(message -> outbox.add(message))
 *         .build();
 * agent.start();
 * agent.receive(recipe);   // from the backend connection, any thread
 * }</pre>
 *
 * <p>All work happens on the agent's {@link EventLoop}; the methods here only post to it and are
 * safe to call from any thread.
 */
public final class OpsAgent implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(OpsAgent.class);

    private final EventLoop loop;
    private final StateExecutor executor;
    private final CompositeRoundListener listeners;
    private final boolean ownsLoop;
    private final ProtocolCodec codec;
    private final RoundMachine machine;
    private final AtomicLong malformedFrames = new AtomicLong();
    private final BackendConnection connection;
    private final RoundStore store;
    private final ProcessLedger ledger;
    private final AgentShutdown shutdown;
    /** Where the state processes that run are recorded, in the state directory. */
    static final String LEDGER_FILE = "running.processes";

    private OpsAgent(Builder b) {
        this.loop = b.loop != null ? b.loop : new SingleThreadEventLoop("opsagent-loop");
        this.ownsLoop = b.loop == null;
        this.codec = b.codec;
        RoundSettings settings = new RoundSettings(b.roundInterval, b.backoff, b.stateTimeout, b.dryRun);
        RoundMachine[] self = new RoundMachine[1];
        this.store = b.stateDirectory == null ? null : new RoundStore(prepare(b.stateDirectory), b.codec);
        this.ledger = b.stateDirectory == null ? null : new ProcessLedger(b.stateDirectory.resolve(LEDGER_FILE));
        if (b.connection != null) {
            this.connection = new BackendConnection(b.connection, b.identity, loop,
                    SharedHttpClient.forUrl(b.connection.url()), codec, b.random,
                    this::receiveOnLoop, () -> self[0].snapshot(), b.stateDirectory);
        } else {
            this.connection = null;
        }
        MessageSink sink = sink(b.sink, connection);
        this.listeners = new CompositeRoundListener(withLedger(b.listeners, ledger));
        this.executor = b.executor;
        this.machine = new RoundMachine(loop, b.executor, sink, b.identity, settings, b.random, b.upgrader,
                listeners, store);
        if (connection != null) {
            connection.afterHandshake(listeners::handshakeSent);
            List<ConnectionListener> hear = List.copyOf(b.connectionListeners);
            connection.onStateChange((from, to) -> hear.forEach(l -> l.connectionChanged(from, to)));
            connection.onRefusedFrame(listeners::frameRefused);
        }
        self[0] = machine;
        this.shutdown = new AgentShutdown(loop, ownsLoop, machine, connection, store);
    }

    /** {@code listeners}, after one that names each starting state to the ledger (when there is one). */
    private static List<RoundListener> withLedger(List<RoundListener> listeners, ProcessLedger ledger) {
        if (ledger == null) {
            return listeners;
        }
        List<RoundListener> all = new ArrayList<>();
        all.add(new RoundListener() {
            @Override
            public void stateStarted(long recipeVersion, int index, RecipeState state) {
                ledger.runningState(recipeVersion, state.id());
            }
        });
        all.addAll(listeners);
        return all;
    }

    private static Path prepare(Path directory) {
        try {
            Files.createDirectories(directory);
            AtomicFiles.setOwnerOnlyDirectory(directory);
        } catch (IOException e) {
            throw new OpsAgentException("cannot create the state directory " + directory + ": " + e.getMessage(), e);
        }
        return directory;
    }

    private static MessageSink sink(MessageSink given, BackendConnection connection) {
        if (connection == null) {
            return given;
        }
        if (given == null) {
            return connection;
        }
        return message -> {
            given.send(message);
            connection.send(message);
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the round machine in {@link RoundState#IDLE}, waiting for a recipe. With a state
     * directory, first kills what a previous run of the agent left running (see {@link
     * ProcessLedger}), and from then on records the processes it starts.
     */
    public void start() {
        loop.execute(() -> {
            String note = null;
            String noteStateId = null;
            if (ledger != null) {
                ProcessLedger.Leftovers left = ledger.sweep();
                List<Long> killed = left.killed();
                if (!killed.isEmpty()) {
                    note = "killed " + killed.size() + " process(es) " + killed
                            + " that this state left running when the agent stopped, before running it again";
                    noteStateId = left.stateId();
                    LOG.warn("killed {} process(es) {} that the previous run of the agent left running, before"
                            + " resuming{}", killed.size(), killed, left.stateId() == null ? ""
                            : " (started for state " + left.stateId() + " of recipe version " + left.recipeVersion()
                            + ", whose next StateLog will say so)");
                }
                ProcessLauncher.standard().recordIn(ledger);
            }
            machine.start(note, noteStateId);
        });
        if (connection != null) {
            loop.execute(connection::start);
        }
    }

    /**
     * Tells the backend that an upgrade to {@code version} failed in an earlier run of the agent
     * (a rollback): a failed {@code agent-upgrade:<version>} StateLog when a recipe is loaded,
     * sent after the next Handshake. Any thread; after {@link #start()}.
     */
    public void reportUpgradeFailure(String version, String reason) {
        loop.execute(() -> machine.reportUpgradeFailure(version, reason));
    }

    /** Takes a message from the backend: recipes, wait releases and upgrade orders. Any thread. */
    public void receive(BackendMessage message) {
        if (message instanceof RecipeMetadata recipe) {
            loop.execute(() -> {
                if (passesCheck(recipe)) {
                    machine.takeRecipe(recipe);
                }
            });
        } else if (message instanceof StateDone done) {
            machine.doneReceived(done);
        } else if (message instanceof WaitList list) {
            for (String id : list.waited()) {
                machine.doneReceived(new StateDone(list.recipeVersion(), id));
            }
        } else if (message instanceof AgentUpdate update) {
            machine.upgradeOrdered(update);
        } else {
            LOG.debug("{} is not for the round machine; ignored", message.code());
        }
    }

    /**
     * Checks every state of {@code recipe} before any runs ({@link RecipeCheck}); a recipe with
     * a problem is refused whole, logged and reported to the listeners, and the loaded one
     * keeps running. On the loop.
     */
    private boolean passesCheck(RecipeMetadata recipe) {
        List<RecipeCheck.Problem> problems = RecipeCheck.problems(recipe, executor);
        if (problems.isEmpty()) {
            return true;
        }
        LOG.warn("recipe version {} refused, nothing of it applied; {} problem(s): {}", recipe.recipeVersion(),
                problems.size(), problems.stream().map(RecipeCheck.Problem::toString).collect(
                        java.util.stream.Collectors.joining("; ")));
        listeners.recipeRejected(recipe.recipeVersion(), problems);
        return false;
    }

    /**
     * A message the connection decoded, in the loop task that took the frame: a recipe or a
     * release reaches the machine within that task rather than in one posted after it, which
     * spares a push a trip through the loop's queue.
     */
    private void receiveOnLoop(BackendMessage message) {
        if (message instanceof RecipeMetadata recipe && machine.canTakeNow()) {
            if (passesCheck(recipe)) {
                machine.takeRecipe(recipe);
            }
        } else if (message instanceof StateDone done && machine.canTakeNow()) {
            machine.takeDone(done);
        } else {
            receive(message);
        }
    }

    /**
     * Decodes a frame from the backend and takes it; a malformed frame is logged with the codec's
     * reason, counted and dropped, and changes nothing. One that broke a protocol limit is also
     * reported to the listeners ({@link RoundListener#frameRefused}), on the loop.
     *
     * @return whether the frame was well-formed
     */
    public boolean receiveFrame(String frame) {
        BackendMessage message;
        try {
            message = codec.decodeBackendMessage(frame);
        } catch (ProtocolException e) {
            malformedFrames.incrementAndGet();
            LOG.warn("malformed frame dropped: {}", e.getMessage());
            if (e instanceof FrameLimitException limit) {
                loop.execute(() -> listeners.frameRefused(limit.refusal()));
            }
            return false;
        }
        receive(message);
        return true;
    }

    /** A consistent view of the agent, safe from any thread. */
    public AgentSnapshot snapshot() {
        return machine.snapshot();
    }

    /**
     * How long until the next round (in {@link RoundState#IDLE}) or the next try after a ceased
     * round (in {@link RoundState#BACKOFF}); empty when none is scheduled. Safe from any thread.
     */
    public Optional<Duration> nextRoundIn() {
        return remaining(machine.timerDueNanos());
    }

    /** How long until the next connection attempt while the connection backs off; empty otherwise. */
    public Optional<Duration> nextReconnectIn() {
        return connection == null ? Optional.empty() : remaining(connection.reconnectDueNanos());
    }

    private Optional<Duration> remaining(long dueNanos) {
        return dueNanos == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(0, dueNanos - loop.nanoTime())));
    }

    /** How many malformed frames were dropped. */
    public long malformedFrames() {
        return malformedFrames.get();
    }

    /** The state of the connection to the backend; {@link ConnectionState#DISCONNECTED} without one. */
    public ConnectionState connectionState() {
        return connection == null ? ConnectionState.DISCONNECTED : connection.state();
    }

    /** StateLogs queued for the backend or waiting for its acknowledgement. */
    public int outboxDepth() {
        return connection == null ? 0 : connection.outboxDepth();
    }

    /** How many malformed frames the connection dropped. */
    public long malformedFramesOnConnection() {
        return connection == null ? 0 : connection.malformedFrames();
    }

    /** The loop the agent runs on. */
    public EventLoop eventLoop() {
        return loop;
    }

    /**
     * Begins to stop the agent and returns at once: the running state is cancelled, the
     * connection closed, the round stored, and an owned event loop shut down, in that order, once
     * the cancelled state has reported (its process tree is gone). {@link #stop(Duration)} waits
     * for all of it.
     */
    /**
     * Begins to stop the agent and returns at once: on the event loop, in order, the running
     * state is cancelled, the connection closed and the round stored, and an owned loop shut
     * down. {@link #stop(Duration)} waits for all of it.
     */
    @Override
    public void close() {
        shutdown.begin();
    }

    /**
     * Stops the agent and waits until it is stopped: the round machine stopped, the running
     * state's process tree gone (its executor reported the cancelled state), the connection
     * closed (the outbox journal with it) and the round stored, and an owned event loop ended.
     * Any thread but the agent's own loop; calling it again, or after {@link #close()}, waits for
     * the same stop.
     *
     * @return true when all of it happened within {@code timeout}; false when the timeout
     *         passed first (e.g. an executor that never reports a cancelled state)
     * @throws IllegalStateException when called on the agent's event loop, which it would block
     */
    public boolean stop(Duration timeout) {
        return shutdown.stop(timeout);
    }

    /** Builds an {@link OpsAgent}; identity, executor and a sink or a connection are required. */
    public static final class Builder {
        private AgentIdentity identity;
        private StateExecutor executor;
        private MessageSink sink;
        private EventLoop loop;
        private Duration roundInterval = RoundSettings.DEFAULT_ROUND_INTERVAL;
        private BackoffPolicy backoff = BackoffPolicy.ROUND_DEFAULT;
        private Duration stateTimeout = RoundSettings.DEFAULT_STATE_TIMEOUT;
        private boolean dryRun;
        private RandomGenerator random;
        private Upgrader upgrader;
        private ProtocolCodec codec = new ProtocolCodec();
        private final List<RoundListener> listeners = new ArrayList<>();
        private final List<ConnectionListener> connectionListeners = new ArrayList<>();
        private ConnectionSettings connection;
        private Path stateDirectory;

        private Builder() { }

        public Builder identity(AgentIdentity identity) {
            this.identity = identity;
            return this;
        }

        public Builder executor(StateExecutor executor) {
            this.executor = executor;
            return this;
        }

        public Builder sink(MessageSink sink) {
            this.sink = sink;
            return this;
        }

        /** The loop to run on; by default the agent starts its own thread. */
        public Builder eventLoop(EventLoop loop) {
            this.loop = loop;
            return this;
        }

        /** Pause after a successful round (default 10 min). */
        public Builder roundInterval(Duration interval) {
            this.roundInterval = interval;
            return this;
        }

        /** Delays after ceased rounds (default 5 s doubling to 5 min, ±20 %). */
        public Builder backoff(BackoffPolicy backoff) {
            this.backoff = backoff;
            return this;
        }

        /** How long one state may run (default 1 h). */
        public Builder stateTimeout(Duration timeout) {
            this.stateTimeout = timeout;
            return this;
        }

        /** Apply states in dry-run mode: report what would change, change nothing. */
        public Builder dryRun(boolean dryRun) {
            this.dryRun = dryRun;
            return this;
        }

        /** The random source of the backoff jitter (default: a fresh unseeded generator). */
        public Builder random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /** Carries out upgrades; without one, an upgrade order fails and the agent goes on. */
        public Builder upgrader(Upgrader upgrader) {
            this.upgrader = upgrader;
            return this;
        }

        /** The codec for {@link OpsAgent#receiveFrame}, e.g. with another frame size limit. */
        public Builder codec(ProtocolCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * Keep the recipe, the round's position and the StateLog outbox in {@code directory}
         * (created owner-only), so the agent resumes after a restart, even a kill -9.
         */
        public Builder stateDirectory(Path directory) {
            this.stateDirectory = directory;
            return this;
        }

        /** Connect to a backend: frames from it drive the agent, StateLogs go to it. */
        public Builder connection(ConnectionSettings connection) {
            this.connection = connection;
            return this;
        }

        public Builder listener(RoundListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Hears the connection to the backend change state (with {@link #connection}). */
        public Builder connectionListener(ConnectionListener listener) {
            connectionListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the agent.
         *
         * @throws IllegalStateException naming what is missing: the identity, the executor, or
         *         both a sink and a connection
         */
        public OpsAgent build() {
            List<String> missing = new ArrayList<>();
            if (identity == null) {
                missing.add("an identity (identity(...))");
            }
            if (executor == null) {
                missing.add("an executor (executor(...))");
            }
            if (sink == null && connection == null) {
                missing.add("a sink or a connection (sink(...) or connection(...))");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("cannot build the agent: it needs " + String.join(", ", missing));
            }
            if (random == null) {
                random = RandomGenerator.of("L64X128MixRandom");
            }
            return new OpsAgent(this);
        }
    }
}
