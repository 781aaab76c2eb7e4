package io.opsagent.fsm.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.protocol.AppNotReady;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.TestReply;
import io.opsagent.fsm.protocol.TestRequest;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.transport.TestBackend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The instance token never appears in a log line, even at TRACE level. */
@Tag("slow")
class SecretsInLogsTest {

    private static final String TOKEN = "-----BEGIN PRIVATE KEY-----tok3n-s3cret-----END PRIVATE KEY-----";

    @Test
    void tokenNeverAppearsInAnyLogLine() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        AbstractAppender capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                String line = event.getMessage().getFormattedMessage();
                if (event.getThrown() != null) {
                    line += " " + event.getThrown();
                }
                lines.add(line);
            }
        };
        capture.start();
        LoggerConfig root = config.getRootLogger();
        Level previous = root.getLevel();
        root.addAppender(capture, Level.ALL, null);
        root.setLevel(Level.ALL);
        context.updateLoggers();
        try (TestBackend backend = new TestBackend().start()) {
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
        } finally {
            root.removeAppender("capture");
            root.setLevel(previous);
            context.updateLoggers();
        }
        assertThat(lines).as("log lines were captured").isNotEmpty();
        assertThat(lines).noneMatch(line -> line.contains("tok3n-s3cret"));
    }
}
