package io.opsagent.launcher.runtime;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.BackoffPolicy;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.RecipeCheck;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.SingleThreadEventLoop;
import io.opsagent.fsm.exec.ExecutorSettings;
import io.opsagent.fsm.exec.NativeExecutor;
import io.opsagent.fsm.exec.SaltCallExecutor;
import io.opsagent.fsm.exec.SaltWorkerSettings;
import io.opsagent.fsm.exec.StateExecutors;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.launcher.AgentContext;
import io.opsagent.launcher.AgentRuntime;
import io.opsagent.launcher.ApplyRequest;
import io.opsagent.launcher.DemoRequest;
import io.opsagent.launcher.ExitCodes;
import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.host.HostLayout;
import io.opsagent.launcher.status.AgentStatus;
import io.opsagent.launcher.upgrade.HandshakeGuard;
import io.opsagent.launcher.upgrade.RollbackReport;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The launcher's {@link AgentRuntime}: builds the library's {@link OpsAgent} from the checked
 * configuration and the prepared host. No round logic lives here.
 */
public final class LibraryRuntime implements AgentRuntime {

    private static final Logger LOG = LogManager.getLogger(LibraryRuntime.class);
    /** How long a stop may take: a cancelled state's tree has 10 s to go, then the rest. */
    private static final Duration STOP_LIMIT = Duration.ofSeconds(15);

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<OpsAgent> running = new AtomicReference<>();
    private final DemoRunner demo = new DemoRunner();
    private final java.util.function.BooleanSupplier terminal;
    private final Clock clock;

    public LibraryRuntime() {
        this(LibraryRuntime::stdoutIsTerminal, Clock.systemUTC());
    }

    /**
     * Whether stdin and stdout are a terminal: Java 17's console exists only then; from Java 22 on
     * it may exist for a pipe too, and says so through {@code isTerminal()}.
     */
    static boolean stdoutIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * @param terminal whether stdout is a terminal, so {@code apply} shows a live line
     * @param clock the time the live line shows
     */
    LibraryRuntime(java.util.function.BooleanSupplier terminal, Clock clock) {
        this.terminal = terminal;
        this.clock = clock;
    }

    @Override
    public int run(AgentContext context) {
        LauncherConfig config = context.config();
        HostLayout host = context.host();
        String token = context.token().orElseThrow(() -> new OpsAgentException("run needs the instance token"))
                .reveal();
        Clock clock = Clock.systemUTC();
        String version = UpgradeWiring.runningVersion(context);
        UpgradeWiring upgrades = UpgradeWiring.create(context, version, UpgradeWiring.runningKind(), clock);
        try {
            if (upgrades.guard.started() == HandshakeGuard.Verdict.RESTART
                    || upgrades.upgrader.carryOutPendingUpgrade()) {
                return ExitCodes.RESTART_FOR_UPGRADE;
            }
            String instanceId;
            try {
                Instant startedAt = clock.instant();
                instanceId = new InstanceIdResolver(stopped, problem -> writeInstanceIdProblem(context, version,
                        startedAt, clock, problem)).resolve(config.network().instanceId());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCodes.OK;
            }
            if (instanceId == null) {
                return ExitCodes.OK;
            }
            return runAgent(context, config, host, new AgentIdentity(instanceId, config.userdata().appId().orElseThrow(),
                    version, token), upgrades, clock);
        } finally {
            upgrades.close();
        }
    }

    /** The status while the instance id cannot be fetched: nothing else runs yet, and this is why. */
    private static void writeInstanceIdProblem(AgentContext context, String version, Instant startedAt, Clock clock,
            String problem) {
        try {
            context.status().write(new AgentStatus(version, ProcessHandle.current().pid(), startedAt, clock.instant(),
                    AgentStatus.WAITING_FOR_INSTANCE_ID, withoutUserInfo(context.config().userdata().wsUri().orElseThrow()),
                    RoundState.IDLE.name(), null, 0, null, null, null, List.of(), 0, null, problem));
        } catch (RuntimeException e) {
            LOG.warn("cannot write {}: {}", context.status().file(), e.getMessage());
        }
    }

    /** The connection settings of {@code [network]}, for the backend of {@code [userdata] ws_uri}. */
    public static ConnectionSettings.Builder connectionSettings(LauncherConfig config) {
        ConnectionSettings.Builder connection = ConnectionSettings.builder(config.userdata().wsUri().orElseThrow())
                .reconnect(config.network().reconnectInitial(), config.network().reconnectMax())
                .pingInterval(config.network().pingInterval())
                .notReadyRetry(config.network().notReadyRetry());
        config.network().caFile().ifPresent(connection::caFile);
        config.network().clientCert().ifPresent(cert ->
                connection.clientCertificatePem(cert, config.network().clientKey().orElseThrow()));
        return connection;
    }

    private int runAgent(AgentContext context, LauncherConfig config, HostLayout host, AgentIdentity identity,
            UpgradeWiring upgrades, Clock clock) {
        URI backend = config.userdata().wsUri().orElseThrow();
        ConnectionSettings.Builder connection = connectionSettings(config);

        AtomicBoolean upgraded = new AtomicBoolean();
        AtomicBoolean confirmed = new AtomicBoolean();
        CountDownLatch machineStopped = new CountDownLatch(1);
        StateProgress progress = new StateProgress(LOG::info);
        try (StatusUpdater status = new StatusUpdater(context.status(), identity.agentVersion(),
                withoutUserInfo(backend), clock)) {
            OpsAgent agent = baseBuilder(config, host, false)
                    .identity(identity)
                    .connection(connection.build())
                    .stateDirectory(host.stateDir())
                    .upgrader(upgrades.upgrader)
                    .listener(status)
                    .connectionListener((from, to) -> status.request())
                    .listener(progress)
                    .listener(new RoundListener() {
                        @Override
                        public void stateChanged(RoundState from, RoundState to) {
                            if (to == RoundState.STOPPED) {
                                upgraded.set(from == RoundState.PENDING_UPGRADE);
                                machineStopped.countDown();
                            }
                        }

                        @Override
                        public void upgradeOrdered(AgentUpdate order) {
                            upgrades.upgrader.orderReceived(order);
                        }

                        @Override
                        public void handshakeSent() {
                            // On the event loop, before any frame of the backend is taken: an order
                            // that answers the Handshake finds the probation over.
                            if (confirmed.compareAndSet(false, true)) {
                                upgrades.guard.confirmed();
                                upgrades.upgrader.probationConfirmed();
                            }
                        }
                    })
                    .build();
            running.set(agent);
            progress.attach(agent.eventLoop());
            agent.start();
            RollbackReport.take(upgrades.stateFile)
                    .ifPresent(r -> agent.reportUpgradeFailure(r.version(), r.reason()));
            status.start(agent);
            LOG.info("agent {} running as instance {}", identity.agentVersion(), identity.instanceId());
            while (stopped.getCount() > 0 && machineStopped.getCount() > 0) {
                // Until the first Handshake the upgrade guard's deadline is checked every 100 ms;
                // after it, only the machine's stop matters (stop() closes the agent, which stops
                // it), so an idle agent's main thread sleeps.
                if (confirmed.get()) {
                    await(machineStopped, Duration.ofMinutes(1));
                } else {
                    await(stopped, Duration.ofMillis(100));
                }
                if (!confirmed.get()
                        && upgrades.guard.checkDeadline(clock.instant()) == HandshakeGuard.Verdict.RESTART) {
                    LOG.error("this release did not handshake in time; the previous release takes over");
                    stop(agent);
                    return ExitCodes.RESTART_FOR_UPGRADE;
                }
            }
            stop(agent);
            status.writeNow();
        }
        if (upgraded.get()) {
            LOG.info("an upgrade was installed; exiting with {} so the supervisor starts the new release",
                    ExitCodes.RESTART_FOR_UPGRADE);
            return ExitCodes.RESTART_FOR_UPGRADE;
        }
        return ExitCodes.OK;
    }

    @Override
    public int apply(AgentContext context, ApplyRequest request) {
        RecipeMetadata recipe = only(RecipeFiles.read(request.recipe()), request);
        LauncherConfig config = context.config();
        StateExecutor executor = executor(config, context.host());
        List<RecipeCheck.Problem> problems = problems(recipe, executor);
        if (!problems.isEmpty()) {
            throw new OpsAgentException(describe(request.recipe(), problems) + "\nnothing of it was applied");
        }
        OpsAgent[] self = new OpsAgent[1];
        ApplyRun run = new ApplyRun(recipe, request.dryRun(), request.verbose(),
                id -> self[0].receive(new StateDone(recipe.recipeVersion(), id)));
        boolean ok = true;
        if (!recipe.states().orElseThrow().isEmpty()) {
            LiveLine live = !request.json() && terminal.getAsBoolean()
                    ? new LiveLine(context.out(), clock, recipe.states().orElseThrow().size()) : null;
            java.util.concurrent.ScheduledExecutorService ticks = live == null ? null : ticker(live);
            OpsAgent agent = baseBuilder(config, context.host(), request.dryRun())
                    .executor(executor)
                    .identity(new AgentIdentity("local", config.userdata().appId().orElse("local"),
                            context.agentVersion(), ""))
                    .sink(message -> { })
                    .listener(run)
                    .listener(live == null ? new RoundListener() { } : live)
                    .build();
            self[0] = agent;
            running.set(agent);
            agent.start();
            agent.receive(recipe);
            awaitEither(stopped, run.finished());
            // Stopping cancels the running state, which kills its process tree: wait for that
            // before returning, or the JVM may exit first and leave the tree behind.
            stop(agent);
            if (live != null) {
                ticks.shutdownNow();
                live.clear();
            }
            if (run.finished().getCount() > 0) {
                LOG.warn("apply stopped before the round finished");
                return ExitCodes.STATE_FAILED;
            }
            ok = run.success();
        }
        if (request.json()) {
            run.printJson(context.out(), ok);
        } else {
            run.printTable(context.out(), ok);
        }
        context.out().flush();
        return ok ? ExitCodes.OK : ExitCodes.STATE_FAILED;
    }

    /** Rewrites {@code live} every second, on a daemon thread of its own. */
    private static java.util.concurrent.ScheduledExecutorService ticker(LiveLine live) {
        java.util.concurrent.ScheduledExecutorService ticks = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "opsagent-live-line");
                    t.setDaemon(true);
                    return t;
                });
        ticks.scheduleAtFixedRate(live::tick, 1, 1, TimeUnit.SECONDS);
        return ticks;
    }

    /** The recipe, or with {@code --state ID} a recipe of that one state. */
    private static RecipeMetadata only(RecipeMetadata recipe, ApplyRequest request) {
        if (request.stateId().isEmpty()) {
            return recipe;
        }
        String id = request.stateId().get();
        List<RecipeState> states = recipe.states().orElse(List.of());
        RecipeState state = states.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(() ->
                new OpsAgentException("recipe " + request.recipe() + " has no state '" + id + "'; its states are: "
                        + String.join(", ", states.stream().map(RecipeState::id).toList())));
        return new RecipeMetadata(recipe.recipeVersion(), recipe.module(), java.util.Optional.of(List.of(state)));
    }

    @Override
    public int check(AgentContext context, Path recipeFile) {
        RecipeMetadata recipe = RecipeFiles.read(recipeFile);
        StateExecutor executor = executor(context.config(), context.host());
        List<RecipeCheck.Problem> problems = problems(recipe, executor);
        int states = recipe.states().orElse(List.of()).size();
        if (problems.isEmpty()) {
            context.out().println("recipe " + recipeFile + ": " + states + (states == 1 ? " state" : " states")
                    + ", no problem found");
            return ExitCodes.OK;
        }
        context.out().println(describe(recipeFile, problems));
        return ExitCodes.ERROR;
    }

    /** The executor's checks, and the modules it does not apply. */
    private static List<RecipeCheck.Problem> problems(RecipeMetadata recipe, StateExecutor executor) {
        return RecipeCheck.problems(recipe, executor, state -> unsupported(executor, state).stream().toList());
    }

    private static java.util.Optional<String> unsupported(StateExecutor executor, RecipeState state) {
        if (executor instanceof NativeExecutor) {
            return NativeExecutor.unsupported(state);
        }
        if (executor instanceof SaltCallExecutor) {
            return SaltCallExecutor.unsupported(state);
        }
        return java.util.Optional.empty();
    }

    /** The problems, one per line under a line that counts them. */
    static String describe(Path recipeFile, List<RecipeCheck.Problem> problems) {
        StringBuilder b = new StringBuilder("recipe " + recipeFile + " has " + problems.size()
                + (problems.size() == 1 ? " problem" : " problems") + ":");
        for (RecipeCheck.Problem p : problems) {
            b.append("\n  ").append(p);
        }
        return b.toString();
    }

    @Override
    public int demo(AgentContext context, DemoRequest request) {
        return demo.run(context, request, stopped, this::baseBuilder);
    }

    @Override
    public void stop() {
        stopped.countDown();
        OpsAgent agent = running.get();
        if (agent != null) {
            agent.close();
        }
    }

    /** The agent as the configuration sets it up, without identity, connection or sink. */
    OpsAgent.Builder baseBuilder(LauncherConfig config, HostLayout host, boolean dryRun) {
        return OpsAgent.builder()
                .executor(executor(config, host))
                .eventLoop(new SingleThreadEventLoop("opsagent-loop"))
                .roundInterval(config.round().interval())
                .backoff(BackoffPolicy.proportional(config.round().backoffInitial(), config.round().backoffMax(), 0.2))
                .stateTimeout(config.round().stateTimeout())
                .dryRun(dryRun);
    }

    static StateExecutor executor(LauncherConfig config, HostLayout host) {
        String saltCall = config.salt().saltCall();
        Path saltPath = saltCall.equals("salt-call") ? null : Path.of(saltCall);
        io.opsagent.fsm.exec.ExecutorKind kind = io.opsagent.fsm.exec.ExecutorKind.parse(config.executor().name());
        LauncherConfig.SaltSettings salt = config.salt();
        SaltWorkerSettings worker = new SaltWorkerSettings(salt.worker(), salt.python().orElse(null),
                salt.workerMaxStates(), salt.workerMaxRssMb());
        return StateExecutors.create(new ExecutorSettings(kind, saltPath, host.stateDir().resolve("salt"),
                host.stateDir().resolve("work"), worker, host.installDir().resolve("tmp"),
                host.stateDir().resolve("watch")));
    }

    /**
     * Stops the agent and waits until its running state's process tree is gone, its connection
     * closed and its round stored; a stop that takes longer is logged.
     */
    private static void stop(OpsAgent agent) {
        if (!agent.stop(STOP_LIMIT)) {
            LOG.warn("the agent did not stop within {} s; exiting anyway", STOP_LIMIT.toSeconds());
        }
    }

    /** Waits until either latch is open (or the thread is interrupted). */
    static void awaitEither(CountDownLatch a, CountDownLatch b) {
        try {
            while (a.getCount() > 0 && b.getCount() > 0) {
                if (a.await(100, TimeUnit.MILLISECONDS) || b.await(100, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String withoutUserInfo(URI uri) {
        try {
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
        } catch (java.net.URISyntaxException e) {
            return uri.getScheme() + "://" + uri.getHost();
        }
    }
}
