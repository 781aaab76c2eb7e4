package io.opsagent.fsm.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.LogLines;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.protocol.AppNotReady;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.TestReply;
import io.opsagent.fsm.protocol.TestRequest;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.transport.TestBackend;
import java.net.URI;
import java.time.Duration;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The instance token never appears in a log line, even at TRACE level. */
@Tag("slow")
class SecretsInLogsTest {

    private static final String TOKEN = "-----BEGIN PRIVATE KEY-----tok3n-s3cret-----END PRIVATE KEY-----";

    @Test
    void tokenNeverAppearsInAnyLogLine() throws Exception {
        LogLines log = new LogLines(Level.ALL);
        try (log; TestBackend backend = new TestBackend().start()) {
            backend.onFirstHandshake = new AppNotReady();
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i", "a", "v", TOKEN))
                    .executor((r, c) -> StateExecution.NONE)
                    .connection(ConnectionSettings.builder(backend.url())
                            .notReadyRetry(Duration.ofMillis(50))
                            .build())
                    .build();
            agent.start();
            backend.await(b -> b.count(Handshake.class) == 2, Duration.ofSeconds(10), "two Handshakes");
            backend.send(new TestRequest());
            backend.await(b -> b.count(TestReply.class) == 1, Duration.ofSeconds(10), "the Test reply");
            agent.close();
            assertThat(backend.rawReceived().get(0)).as("the token does go to the backend").contains("tok3n-s3cret");
        }
        assertThat(log.lines()).as("log lines were captured").isNotEmpty();
        assertThat(log.lines()).noneMatch(line -> line.contains("tok3n-s3cret"));
    }

    @Test
    void aPasswordInTheBackendUrlNeverAppearsInAnyLogLine() throws Exception {
        LogLines log = new LogLines(Level.ALL);
        try (log; TestBackend backend = new TestBackend().start()) {
            URI url = backend.url();
            URI withPassword = new URI(url.getScheme(), "agent:pa55w0rd", url.getHost(), url.getPort(), url.getPath(),
                    null, null);
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i", "a", "v", "t"))
                    .executor((r, c) -> StateExecution.NONE)
                    .connection(ConnectionSettings.builder(withPassword).build())
                    .build();
            agent.start();
            backend.await(b -> b.count(Handshake.class) == 1, Duration.ofSeconds(10), "a Handshake");
            agent.close();
        }
        assertThat(log.lines()).as("the connect line").anyMatch(line -> line.contains("connecting to ws://127.0.0.1:"));
        assertThat(log.lines()).noneMatch(line -> line.contains("pa55w0rd"));
    }
}
