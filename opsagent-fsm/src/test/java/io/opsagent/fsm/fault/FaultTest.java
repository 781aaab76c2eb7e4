package io.opsagent.fsm.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.transport.TestBackend;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The agent behind a proxy that cuts and stalls its connections: nothing is lost. */
@Tag("slow")
class FaultTest {

    private static final StateExecutor INSTANT = (request, callback) -> {
        callback.completed(StateResult.unchanged("ok"));
        return StateExecution.NONE;
    };

    private static RecipeMetadata recipe(int states) {
        List<RecipeState> list = new ArrayList<>();
        for (int i = 0; i < states; i++) {
            com.google.gson.JsonObject p = new com.google.gson.JsonObject();
            p.addProperty("cmd", "true");
            list.add(io.opsagent.fsm.testutil.Json.state("s" + i, "linux.cmd", p));
        }
        return RecipeMetadata.of(1, list);
    }

    private static OpsAgent agent(FaultProxy proxy, Duration ping, Duration roundInterval) {
        OpsAgent agent = OpsAgent.builder()
                .identity(new AgentIdentity("i", "a", "v", "t"))
                .executor(INSTANT)
                .roundInterval(roundInterval)
                .random(new Random(3))
                .connection(ConnectionSettings.builder(proxy.url("/agent/"))
                        .reconnect(Duration.ofMillis(5), Duration.ofMillis(50))
                        .pingInterval(ping)
                        .build())
                .build();
        agent.start();
        return agent;
    }

    @Test
    void hundredRandomCutsLoseAndReorderNoStateLog() throws Exception {
        try (TestBackend backend = new TestBackend().start();
                FaultProxy proxy = new FaultProxy(backend.url())) {
            backend.ack = true;
            backend.onHandshake = recipe(50);
            OpsAgent agent = agent(proxy, Duration.ofSeconds(5), Duration.ofMillis(20));
            Random random = new Random(100);
            int cutLinks = 0;
            for (int cut = 0; cut < 100; cut++) {
                int connections = cut + 1;
                Await.until(() -> proxy.accepted() >= connections, "connection " + connections);
                long target = backend.distinctSeqs() + 1 + random.nextInt(8);
                backend.await(b -> b.distinctSeqs() >= target, Duration.ofSeconds(20), target + " seqs");
                cutLinks += proxy.cutAll();
            }
            long target = backend.distinctSeqs() + 50;
            backend.await(b -> b.distinctSeqs() >= target, Duration.ofSeconds(20), target + " seqs");
            agent.close();

            Map<Long, StateLog> firstBySeq = new LinkedHashMap<>();
            long previous = 0;
            for (StateLog log : backend.stateLogs()) {
                StateLog first = firstBySeq.putIfAbsent(log.seq(), log);
                if (first == null) {
                    assertThat(log.seq()).as("new seqs arrive in order").isGreaterThan(previous);
                    previous = log.seq();
                } else {
                    assertThat(log).as("a resent seq is the same log").isEqualTo(first);
                }
            }
            long max = previous;
            assertThat(firstBySeq.keySet()).as("no seq is missing").hasSize((int) max);
            for (StateLog log : firstBySeq.values()) {
                assertThat(log.id()).isEqualTo("s" + ((log.seq() - 1) % 50));
            }
            assertThat(cutLinks).as("every cut hit a live connection").isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void halfOpenConnectionIsDetectedByPingAndReplaced() throws Exception {
        try (TestBackend backend = new TestBackend().start();
                FaultProxy proxy = new FaultProxy(backend.url())) {
            OpsAgent agent = agent(proxy, Duration.ofMillis(200), Duration.ofHours(1));
            Await.until(() -> backend.count(Handshake.class) == 1, "the first Handshake");
            proxy.stallAll();
            // The bound: a missing pong fails the socket after one ping interval, then a reconnect.
            Await.until(() -> backend.count(Handshake.class) == 2, Duration.ofSeconds(10), () -> "a new connection");
            assertThat(proxy.accepted()).isEqualTo(2);
            agent.close();
        }
    }
}
