package io.opsagent.fsm.fault;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.recipe;
import static io.opsagent.fsm.AgentHarness.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.AgentSnapshot;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.ProtocolException;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.protocol.WaitList;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.transport.TestBackend;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** 10,000 invalid frames over a live socket: no crash, the connection and the round stay as they were. */
@Tag("slow")
class SocketFuzzTest {

    private static final List<String> VALID = List.of(
            "{\"code\":\"RecipeMetadata\",\"recipe_version\":2,\"module\":{\"repo\":\"r\",\"tag\":\"t\"},"
                    + "\"state\":[{\"id\":\"a\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"true\"}}]}",
            "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"w\"}",
            "{\"code\":\"WaitList\",\"recipe_version\":1,\"waited\":[\"w\"]}",
            "{\"code\":\"AgentUpdate\",\"version\":\"2.0\",\"url\":\"https://x/y.tgz\"}",
            "{\"code\":\"StateLogAck\",\"seq\":3}",
            "{\"code\":\"AppNotReady\"}");

    private static String mutate(Random r, ProtocolCodec codec) {
        String base = VALID.get(r.nextInt(VALID.size()));
        switch (r.nextInt(7)) {
            case 0: {
                char[] c = base.toCharArray();
                for (int i = 0; i < 1 + r.nextInt(4); i++) {
                    c[r.nextInt(c.length)] = (char) (32 + r.nextInt(95));
                }
                return new String(c);
            }
            case 1:
                return base.substring(0, r.nextInt(base.length()));
            case 2: {
                int at = 1 + r.nextInt(base.length() - 1);
                String[] junk = {"[", "{", "}", "\"", ",", ":", "null", "1e999", "\\u0000", "\"x\":"};
                return base.substring(0, at) + junk[r.nextInt(junk.length)] + base.substring(at);
            }
            case 3:
                return "{\"code\":\"State\",\"recipe_version\":1,\"id\":" + "[".repeat(200 + r.nextInt(2000)) + "}";
            case 4:
                return base.replace("\"recipe_version\":", "\"recipe_version\":\"").replace(",\"", "\",\"");
            case 5: {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < 1 + r.nextInt(200); i++) {
                    b.append((char) r.nextInt(0xD800));
                }
                return b.toString();
            }
            default:
                return "{\"code\":\"" + "X".repeat(r.nextInt(100_000)) + "\"}";
        }
    }

    @Test
    void tenThousandInvalidFramesChangeNothing() throws Exception {
        ProtocolCodec codec = new ProtocolCodec();
        try (TestBackend backend = new TestBackend().start()) {
            backend.onHandshake = recipe(1, cmd("a"), waitFor("w"), cmd("b"));
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i", "a", "v", "t"))
                    .executor((request, callback) -> {
                        callback.completed(StateResult.unchanged("ok"));
                        return StateExecution.NONE;
                    })
                    .connection(ConnectionSettings.builder(backend.url()).build())
                    .build();
            agent.start();
            Await.until(() -> agent.snapshot().state() == RoundState.WAITING_FOR_DONE, "the wait");
            AgentSnapshot before = agent.snapshot();

            Random random = new Random(20261126);
            int sent = 0;
            int skippedValid = 0;
            while (sent < 10_000) {
                String frame = mutate(random, codec);
                try {
                    codec.decodeBackendMessage(frame);
                    skippedValid++;
                    continue;
                } catch (ProtocolException expected) {
                    // invalid: send it
                }
                backend.sendRaw(frame);
                sent++;
                if (sent % 100 == 0) {
                    // Keep the test server's send queue (16 MiB at most in OkHttp) from filling up.
                    int handled = sent;
                    Await.until(() -> agent.malformedFramesOnConnection() == handled, Duration.ofSeconds(60),
                            () -> "frame " + handled + " handled");
                }
            }
            int total = sent;
            Await.until(() -> agent.malformedFramesOnConnection() == total, Duration.ofSeconds(60),
                    () -> "all frames handled, so far " + agent.malformedFramesOnConnection());

            assertThat(agent.snapshot()).isEqualTo(before);
            assertThat(agent.connectionState()).isEqualTo(ConnectionState.ONLINE);
            assertThat(backend.count(Handshake.class)).isEqualTo(1);
            assertThat(skippedValid).as("mutations that stayed valid were not sent").isLessThan(10_000);

            backend.send(new WaitList(1, List.of("w")));
            backend.await(b -> b.stateLogs().size() == 3, Duration.ofSeconds(10), "the round to go on");
            assertThat(backend.stateLogs()).extracting(StateLog::id).containsExactly("a", "w", "b");
            agent.close();
        }
    }
}
