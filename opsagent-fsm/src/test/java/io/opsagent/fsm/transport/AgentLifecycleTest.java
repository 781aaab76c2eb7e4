package io.opsagent.fsm.transport;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.recipe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.FakeExecutor;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.Await;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The library's lifecycle API: an awaitable {@code stop(Duration)} that returns only once the
 * cancelled state has reported and the connection is closed, the connection listener, the
 * callback for a round cut short, and builder errors that name what is missing.
 */
@Timeout(60)
class AgentLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AgentIdentity IDENTITY = new AgentIdentity("i-0abc", "app-9", "1.2.3", "tok");

    @Test
    void stopWaitsUntilTheCancelledStateHasReportedAndTheConnectionIsClosed() throws Exception {
        TestBackend backend = new TestBackend().start();
        try {
            FakeExecutor executor = new FakeExecutor();
            executor.holdCancelReports();
            List<String> cutShort = new CopyOnWriteArrayList<>();
            List<String> connection = new CopyOnWriteArrayList<>();
            OpsAgent agent = OpsAgent.builder()
                    .identity(IDENTITY)
                    .executor(executor)
                    .connection(ConnectionSettings.builder(backend.url()).build())
                    .random(new Random(1))
                    .connectionListener((from, to) -> connection.add(from + ">" + to))
                    .listener(new RoundListener() {
                        @Override
                        public void roundCutShort(long recipeVersion, long round, String why) {
                            cutShort.add(recipeVersion + "/" + round + ": " + why);
                        }
                    })
                    .build();
            agent.start();
            backend.await(b -> b.count(Handshake.class) == 1, WAIT, "the Handshake");
            agent.receive(recipe(1, cmd("a")));
            Await.until(() -> !executor.runs().isEmpty(), WAIT, "state a started");

            // the fake executor holds the report of a cancelled state until the test sends it
            assertThat(agent.stop(Duration.ofMillis(300))).as("stopped before the state reported").isFalse();
            Await.until(() -> executor.last().cancelled, WAIT, "state a cancelled");
            executor.last().complete(StateResult.failed("cancelled; killed 1 process(es)", null));

            assertThat(agent.stop(WAIT)).isTrue();
            assertThat(agent.connectionState()).isEqualTo(ConnectionState.CLOSED);
            assertThat(cutShort).containsExactly("1/1: the agent stopped");
            assertThat(connection).containsExactly("DISCONNECTED>CONNECTING", "CONNECTING>ONLINE", "ONLINE>CLOSED");
            assertThat(agent.stop(WAIT)).as("a second stop waits for the same stop").isTrue();
        } finally {
            backend.close();
        }
    }

    @Test
    void aRoundCutShortByANewRecipeIsReportedOnce() {
        List<String> cutShort = new CopyOnWriteArrayList<>();
        io.opsagent.fsm.AgentHarness withListener = new io.opsagent.fsm.AgentHarness(b -> b.listener(new RoundListener() {
            @Override
            public void roundCutShort(long recipeVersion, long round, String why) {
                cutShort.add(recipeVersion + "/" + round + ": " + why);
            }
        }));
        withListener.receive(recipe(1, cmd("a"), cmd("b")));
        withListener.succeed("a");
        withListener.receive(recipe(2, cmd("c")));
        withListener.succeed("c");

        assertThat(cutShort).containsExactly("1/1: recipe version 2 arrived");
    }

    @Test
    void stopOnTheAgentsOwnLoopIsRefusedWithAClearError() throws Exception {
        FakeExecutor executor = new FakeExecutor();
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        OpsAgent[] self = new OpsAgent[1];
        self[0] = OpsAgent.builder()
                .identity(IDENTITY)
                .executor(executor)
                .sink(m -> { })
                .listener(new RoundListener() {
                    @Override
                    public void stateStarted(long recipeVersion, int index, RecipeState state) {
                        try {
                            self[0].stop(Duration.ofSeconds(1));
                        } catch (IllegalStateException e) {
                            thrown.add(e);
                        }
                    }
                })
                .build();
        self[0].start();
        self[0].receive(recipe(1, cmd("a")));
        Await.until(() -> !thrown.isEmpty(), WAIT, "the refused stop");
        assertThat(thrown.get(0)).hasMessage("stop(Duration) would block the agent's own event loop; call close() there");
        executor.last().complete(StateResult.unchanged("ok"));
        assertThat(self[0].stop(WAIT)).isTrue();
    }

    @Test
    void aBuilderWithoutWhatItNeedsSaysWhatIsMissing() {
        assertThatThrownBy(() -> OpsAgent.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot build the agent: it needs an identity (identity(...)), an executor (executor(...)),"
                        + " a sink or a connection (sink(...) or connection(...))");
        assertThatThrownBy(() -> OpsAgent.builder().identity(IDENTITY).sink(m -> { }).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot build the agent: it needs an executor (executor(...))");
    }
}
