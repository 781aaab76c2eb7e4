package io.opsagent.fsm.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.BackoffPolicy;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.LogLines;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.testing.ManualEventLoop;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Reconnect delays on a manual clock, with seeded jitter; the sockets are real. */
@Tag("slow")
class ReconnectBackoffTest {

    private static final BackoffPolicy POLICY = BackoffPolicy.fullJitter(Duration.ofSeconds(1), Duration.ofSeconds(60));

    private final ManualEventLoop loop = new ManualEventLoop();

    private OpsAgent agent(URI url, long seed) {
        OpsAgent agent = OpsAgent.builder()
                .identity(new AgentIdentity("i", "a", "v", "t"))
                .executor((r, c) -> StateExecution.NONE)
                .eventLoop(loop)
                .random(new Random(seed))
                .connection(ConnectionSettings.builder(url)
                        .reconnect(POLICY.initial(), POLICY.max())
                        .pingInterval(Duration.ZERO)
                        .build())
                .build();
        agent.start();
        return agent;
    }

    /** Runs the loop until a reconnect timer is scheduled (the refused connect comes from OkHttp's thread). */
    private Duration awaitReconnectTimer() {
        Await.until(() -> {
            loop.runUntilIdle();
            return loop.nextTimerIn() != null;
        }, "a reconnect timer");
        return loop.nextTimerIn();
    }

    @Test
    void refusedConnectionsAreRetriedWithGrowingFullJitterDelays() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        OpsAgent agent = agent(URI.create("ws://127.0.0.1:" + port + "/agent/"), 9);
        Random replica = new Random(9);
        List<Duration> delays = new ArrayList<>();
        for (int attempt = 1; attempt <= 9; attempt++) {
            Duration delay = awaitReconnectTimer();
            assertThat(agent.connectionState()).isEqualTo(ConnectionState.BACKING_OFF);
            assertThat(delay).as("attempt %d", attempt).isEqualTo(POLICY.delay(attempt, replica));
            assertThat(agent.nextReconnectIn()).as("what status shows").contains(delay);
            assertThat(delay).isLessThanOrEqualTo(POLICY.nominalDelay(attempt));
            delays.add(delay);
            loop.advance(delay);
        }
        assertThat(delays.get(0)).as("even the first retry is randomised").isLessThan(Duration.ofSeconds(1));
        assertThat(delays).doesNotHaveDuplicates();
        agent.close();
        loop.runUntilIdle();
    }

    @Test
    void aConnectionThatStayedUpLongEnoughResetsTheBackoff() throws Exception {
        try (TestBackend backend = new TestBackend().start()) {
            OpsAgent agent = agent(backend.url(), 4);
            Random replica = new Random(4);
            Await.until(() -> {
                loop.runUntilIdle();
                return backend.count(Handshake.class) == 1;
            }, "the first connection");

            backend.stop();
            Duration first = awaitReconnectTimer();
            assertThat(first).isEqualTo(POLICY.delay(1, replica));
            backend.start();
            loop.advance(first);
            Await.until(() -> {
                loop.runUntilIdle();
                return backend.count(Handshake.class) == 2;
            }, "the second connection");

            backend.stop();
            Duration second = awaitReconnectTimer();
            assertThat(second).as("a short connection does not reset").isEqualTo(POLICY.delay(2, replica));
            backend.start();
            loop.advance(second);
            Await.until(() -> {
                loop.runUntilIdle();
                return backend.count(Handshake.class) == 3;
            }, "the third connection");

            loop.advance(Duration.ofSeconds(60));
            backend.stop();
            Duration third = awaitReconnectTimer();
            assertThat(third).as("60 s up resets to the first delay").isEqualTo(POLICY.delay(1, replica));
            assertThat(backend.count(Handshake.class)).isEqualTo(3);
            agent.close();
            loop.runUntilIdle();
        }
    }

    @Test
    void eachAttemptIsOneLineWithItsDelayAndTheReturnSaysHowLongTheConnectionWasDown() throws Exception {
        try (TestBackend backend = new TestBackend().start(); LogLines log = new LogLines(Level.INFO)) {
            OpsAgent agent = agent(backend.url(), 4);
            Await.until(() -> {
                loop.runUntilIdle();
                return backend.count(Handshake.class) == 1;
            }, "the first connection");
            backend.stop();
            loop.advance(awaitReconnectTimer());
            Duration second = awaitReconnectTimer();
            backend.start();
            loop.advance(Duration.ofSeconds(7));
            loop.advance(second);
            Await.until(() -> {
                loop.runUntilIdle();
                return backend.count(Handshake.class) == 2;
            }, "the connection back");
            agent.close();
            loop.runUntilIdle();

            List<String> lines = log.lines().stream()
                    .filter(l -> l.matches("(INFO connect|WARN connection to).*") && !l.endsWith(" closed"))
                    .toList();
            assertThat(lines).hasSize(5);
            assertThat(lines.get(0)).startsWith("INFO connecting to ");
            assertThat(lines.get(1)).startsWith("INFO connected to ");
            assertThat(lines.get(2)).startsWith("WARN connection to ").contains("reconnecting in ", "(attempt 1)");
            assertThat(lines.get(3)).startsWith("WARN connection to ").contains("reconnecting in ", "(attempt 2)");
            assertThat(lines.get(4)).startsWith("INFO connected to ")
                    .matches(".* again after (\\d+) s down \\(2 attempt\\(s\\)\\); 0 StateLog\\(s\\) sent");
            long down = Long.parseLong(lines.get(4).replaceAll(".* again after (\\d+) s down.*", "$1"));
            assertThat(down).as("down from the loss to the return, on the manual clock").isGreaterThanOrEqualTo(7);
        }
    }
}
