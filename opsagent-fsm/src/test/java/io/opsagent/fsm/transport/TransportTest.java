package io.opsagent.fsm.transport;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.comment;
import static io.opsagent.fsm.AgentHarness.recipe;
import static io.opsagent.fsm.AgentHarness.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.FakeExecutor;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.protocol.AppNotReady;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.ProtocolLimits;
import io.opsagent.fsm.protocol.RefusedFrame;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.protocol.WaitList;
import io.opsagent.fsm.protocol.WaitQuery;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The agent against a real WebSocket server on loopback. */
@Tag("slow")
class TransportTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final AgentIdentity IDENTITY = new AgentIdentity("i-0abc", "app-9", "1.2.3", "tok-SECRET");

    private final List<OpsAgent> agents = new ArrayList<>();
    private final List<TestBackend> backends = new ArrayList<>();

    @AfterEach
    void tearDown() {
        agents.forEach(OpsAgent::close);
        backends.forEach(TestBackend::close);
    }

    private TestBackend backend() throws Exception {
        TestBackend b = new TestBackend().start();
        backends.add(b);
        return b;
    }

    private OpsAgent agent(TestBackend backend, StateExecutor executor, Consumer<ConnectionSettings.Builder> tune) {
        return agent(backend, executor, tune, new ProtocolCodec());
    }

    private OpsAgent agent(TestBackend backend, StateExecutor executor, Consumer<ConnectionSettings.Builder> tune,
            ProtocolCodec codec) {
        ConnectionSettings.Builder settings = ConnectionSettings.builder(backend.url())
                .reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
                .notReadyRetry(Duration.ofMillis(100))
                .pingInterval(Duration.ofSeconds(5));
        tune.accept(settings);
        OpsAgent agent = OpsAgent.builder()
                .identity(IDENTITY)
                .executor(executor)
                .connection(settings.build())
                .random(new Random(5))
                .roundInterval(Duration.ofHours(1))
                .codec(codec)
                .build();
        agents.add(agent);
        agent.start();
        return agent;
    }

    /** Succeeds every state at once. */
    private static final StateExecutor INSTANT = (request, callback) -> {
        callback.completed(StateResult.unchanged("ok " + request.state().id()));
        return StateExecution.NONE;
    };

    @Test
    void handshakeCarriesTheIdentityOnEveryConnection() throws Exception {
        TestBackend backend = backend();
        agent(backend, INSTANT, s -> s.initErrors("cannot write /var/lib/visualops"));
        backend.await(b -> b.count(Handshake.class) == 1, WAIT, "a Handshake");

        Handshake h = (Handshake) backend.received().get(0);
        assertThat(h).isEqualTo(new Handshake("i-0abc", "app-9", "1.2.3", 1, "tok-SECRET",
                "cannot write /var/lib/visualops"));
        assertThat(backend.rawReceived().get(0)).contains("\"init_errors\":\"cannot write /var/lib/visualops\"");
    }

    @Test
    void appNotReadyMakesTheAgentHandshakeAgainOnTheSameSocketAfterThePause() throws Exception {
        TestBackend backend = backend();
        backend.onFirstHandshake = new AppNotReady();
        backend.onHandshake = recipe(1, cmd("a"));
        OpsAgent agent = agent(backend, INSTANT, s -> { });

        backend.await(b -> b.stateLogs().size() == 1, WAIT, "the StateLog after the second Handshake");
        assertThat(backend.received()).hasSize(3);
        assertThat(backend.received().get(0)).isInstanceOf(Handshake.class);
        assertThat(backend.received().get(1)).isInstanceOf(Handshake.class);
        assertThat(agent.connectionState()).isEqualTo(ConnectionState.ONLINE);
    }

    @Test
    void pushedRecipeRunsAndItsStateLogsArriveInOrderWithGrowingSeq() throws Exception {
        TestBackend backend = backend();
        backend.onHandshake = recipe(4, comment("c"), cmd("a"), cmd("b"), cmd("d"));
        agent(backend, INSTANT, s -> { });

        backend.await(b -> b.stateLogs().size() == 4, WAIT, "four StateLogs");
        assertThat(backend.stateLogs()).extracting(StateLog::id).containsExactly("c", "a", "b", "d");
        assertThat(backend.stateLogs()).extracting(StateLog::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(backend.stateLogs()).allSatisfy(l -> {
            assertThat(l.recipeVersion()).isEqualTo(4);
            assertThat(l.instanceId()).isEqualTo("i-0abc");
            assertThat(l.appId()).isEqualTo("app-9");
        });
    }

    @Test
    void logsWrittenWhileOfflineAreDeliveredInOrderAfterTheNextHandshake() throws Exception {
        TestBackend backend = backend();
        backend.ack = true;
        backend.onHandshake = recipe(1, cmd("a"), cmd("b"), cmd("c"), cmd("d"));
        FakeExecutor executor = new FakeExecutor();
        OpsAgent agent = agent(backend, executor, s -> { });

        Await.until(() -> executor.runs().size() == 1, "state a to start");
        executor.succeed("a");
        backend.await(b -> b.stateLogs().size() == 1, WAIT, "the log of a");

        backend.stop();
        Await.until(() -> agent.connectionState() != ConnectionState.ONLINE, "the agent to notice the drop");
        Await.until(() -> executor.runs().size() == 2, "state b to start");
        executor.succeed("b");
        Await.until(() -> executor.runs().size() == 3, "state c to start");
        executor.succeed("c");
        Await.until(() -> agent.outboxDepth() == 2, "two logs queued");

        backend.start();
        backend.await(b -> b.distinctSeqs() == 3, WAIT, "the queued logs");
        Await.until(() -> executor.runs().size() == 4, "state d to start");
        executor.succeed("d");
        backend.await(b -> b.distinctSeqs() == 4, WAIT, "the log of d");

        // A log whose acknowledgement was lost with the connection is sent again: dedupe by seq.
        java.util.Set<Long> seen = new java.util.HashSet<>();
        List<String> order = new ArrayList<>();
        for (io.opsagent.fsm.protocol.AgentMessage m : backend.received()) {
            if (m instanceof StateLog l) {
                if (seen.add(l.seq())) {
                    order.add(l.id());
                }
            } else {
                order.add(m.code());
            }
        }
        assertThat(order).containsExactly("Handshake", "a", "Handshake", "b", "c", "d");
        assertThat(seen).containsExactly(1L, 2L, 3L, 4L);
        Await.until(() -> agent.outboxDepth() == 0, "every log acknowledged");
    }

    @Test
    void withABackendThatNeverAcksALogIsDoneOnceWritten() throws Exception {
        TestBackend backend = backend();
        backend.onHandshake = recipe(1, cmd("a"), cmd("b"));
        FakeExecutor executor = new FakeExecutor();
        OpsAgent agent = agent(backend, executor, s -> s.ackWait(Duration.ofMillis(200)));
        Await.until(() -> executor.runs().size() == 1, "state a to start");
        executor.succeed("a");
        backend.await(b -> b.stateLogs().size() == 1, WAIT, "the log of a");
        Await.until(() -> agent.outboxDepth() == 1, "the log of a to wait for an acknowledgement");
        Await.until(() -> agent.outboxDepth() == 0, "the ack wait to conclude the backend does not ack");

        backend.stop();
        Await.until(() -> agent.connectionState() == ConnectionState.BACKING_OFF
                || agent.connectionState() == ConnectionState.CONNECTING, "the drop");
        backend.start();
        backend.await(b -> b.count(Handshake.class) == 2, WAIT, "the second Handshake");
        executor.succeed("b");
        backend.await(b -> b.stateLogs().size() == 2, WAIT, "the log of b");
        assertThat(backend.stateLogs()).extracting(StateLog::id).containsExactly("a", "b");
    }

    @Test
    void malformedFramesAreDroppedAndTheConnectionAndTheRoundGoOn() throws Exception {
        TestBackend backend = backend();
        backend.onHandshake = recipe(1, cmd("a"), waitFor("w"));
        // The test server cannot send frames over 16 MiB, so the agent's limit is lowered to 1 MiB.
        OpsAgent agent = agent(backend, INSTANT, s -> { }, new ProtocolCodec(1024 * 1024));
        backend.await(b -> b.stateLogs().size() == 1, WAIT, "the log of a");
        Await.until(() -> agent.snapshot().state() == RoundState.WAITING_FOR_DONE, "the wait");

        List<String> garbage = List.of("not json", "[1,2]", "{\"code\":\"Nope\"}", "{\"code\":7}",
                "{\"code\":\"RecipeMetadata\",\"recipe_version\":\"2\"}",
                "{\"code\":\"State\",\"recipe_version\":1,\"id\":5}",
                "{\"code\":\"RecipeMetadata\",\"recipe_version\":9,\"state\":" + "[".repeat(5000) + "]".repeat(5000) + "}",
                "{\"code\":\"Test\",\"pad\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}");
        for (String frame : garbage) {
            backend.sendRaw(frame);
        }
        backend.send(new WaitList(1, List.of("w")));
        backend.await(b -> b.stateLogs().size() == 2, WAIT, "the released wait's log");

        assertThat(agent.malformedFramesOnConnection()).isEqualTo(garbage.size());
        assertThat(agent.connectionState()).isEqualTo(ConnectionState.ONLINE);
        assertThat(backend.count(Handshake.class)).as("never reconnected").isEqualTo(1);
        assertThat(agent.snapshot().recipeVersion()).isEqualTo(1);
        assertThat(backend.stateLogs()).extracting(StateLog::id).containsExactly("a", "w");
    }

    @Test
    void aFrameRefusedForALimitIsReportedToTheListenersAndChangesNothing() throws Exception {
        TestBackend backend = backend();
        backend.onHandshake = recipe(1, cmd("a"), waitFor("w"));
        List<RefusedFrame> refused = new CopyOnWriteArrayList<>();
        OpsAgent agent = OpsAgent.builder()
                .identity(IDENTITY)
                .executor(INSTANT)
                .connection(ConnectionSettings.builder(backend.url()).reconnect(Duration.ofMillis(20),
                        Duration.ofMillis(200)).build())
                .random(new Random(5))
                .roundInterval(Duration.ofHours(1))
                .codec(new ProtocolCodec(new ProtocolLimits(1024 * 1024, 3, 1024, 100, 128)))
                .listener(new RoundListener() {
                    @Override
                    public void frameRefused(RefusedFrame refusal) {
                        refused.add(refusal);
                    }
                })
                .build();
        agents.add(agent);
        agent.start();
        Await.until(() -> agent.snapshot().state() == RoundState.WAITING_FOR_DONE, "the wait");

        String large = "{\"code\":\"RecipeMetadata\",\"recipe_version\":2,\"pad\":\"" + "x".repeat(1024 * 1024) + "\"}";
        backend.sendRaw(large);
        backend.send(recipe(3, cmd("p"), cmd("q"), cmd("r"), cmd("s")));
        backend.sendRaw("not json");
        backend.send(new WaitList(1, List.of("w")));
        backend.await(b -> b.stateLogs().size() == 2, WAIT, "the released wait's log");

        assertThat(refused).containsExactly(
                new RefusedFrame("maxFrameBytes", large.length(), 1024 * 1024, "RecipeMetadata",
                        "frame of " + large.length() + " bytes exceeds the limit of 1048576 bytes"),
                new RefusedFrame("maxStates", 4, 3, "RecipeMetadata",
                        "state: more than 3 states; a recipe may have at most 3"));
        assertThat(agent.malformedFramesOnConnection()).as("the syntax error counts, but is no limit").isEqualTo(3);
        assertThat(agent.snapshot().recipeVersion()).isEqualTo(1);
    }

    @Test
    void afterAReconnectDuringAWaitTheAgentAsksWhichWaitsAreReleased() throws Exception {
        TestBackend backend = backend();
        backend.onHandshake = recipe(6, waitFor("w"), cmd("b"));
        OpsAgent agent = agent(backend, INSTANT, s -> { });
        Await.until(() -> agent.snapshot().state() == RoundState.WAITING_FOR_DONE, "the wait");
        backend.stop();
        backend.start();
        backend.await(b -> b.count(WaitQuery.class) == 1, WAIT, "a WaitQuery");
        assertThat(backend.received()).filteredOn(WaitQuery.class::isInstance)
                .containsExactly(new WaitQuery("i-0abc", "app-9", 6));

        backend.send(new WaitList(6, List.of("w")));
        backend.await(b -> b.stateLogs().size() == 2, WAIT, "the released round");
        assertThat(backend.stateLogs()).extracting(StateLog::id).containsExactly("w", "b");
    }

    @Test
    void twentyBackendRestartsLoseAndDuplicateNoLog() throws Exception {
        TestBackend backend = backend();
        backend.ack = true;
        int states = 90;
        List<io.opsagent.fsm.protocol.RecipeState> list = new ArrayList<>();
        for (int i = 0; i < states; i++) {
            list.add(cmd("s" + i));
        }
        backend.onHandshake = RecipeMetadata.of(1, list);
        FakeExecutor executor = new FakeExecutor();
        OpsAgent agent = agent(backend, executor, s -> { });

        int next = 0;
        for (int restart = 0; restart < 20; restart++) {
            for (int k = 0; k < 3; k++, next++) {
                int index = next;
                Await.until(() -> executor.runs().size() == index + 1, "state s" + index + " to start");
                executor.succeed("s" + index);
            }
            backend.stop();
            Await.until(() -> agent.connectionState() != ConnectionState.ONLINE, "the agent to notice the stop");
            int index = next;
            Await.until(() -> executor.runs().size() == index + 1, "state s" + index + " to start offline");
            executor.succeed("s" + index);
            next++;
            backend.start();
            long handshakes = restart + 2;
            backend.await(b -> b.count(Handshake.class) == handshakes, WAIT, "Handshake " + handshakes);
        }
        while (next < states) {
            int index = next;
            Await.until(() -> executor.runs().size() == index + 1, "state s" + index + " to start");
            executor.succeed("s" + index);
            next++;
        }
        backend.await(b -> b.stateLogs().stream().map(StateLog::seq).distinct().count() == states, WAIT,
                "every log");
        Await.until(() -> agent.outboxDepth() == 0, "every log acknowledged");

        List<Long> seqs = backend.stateLogs().stream().map(StateLog::seq).distinct().toList();
        assertThat(seqs).as("each seq once, in order").isSorted().hasSize(states);
        List<String> ids = new ArrayList<>();
        for (StateLog log : backend.stateLogs()) {
            if (ids.isEmpty() || !ids.contains(log.id())) {
                ids.add(log.id());
            }
        }
        assertThat(ids).hasSize(states);
        for (int i = 0; i < states; i++) {
            assertThat(ids.get(i)).isEqualTo("s" + i);
        }
        assertThat(backend.count(Handshake.class)).isEqualTo(21);
    }
}
