package io.opsagent.fsm.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.backend.ReferenceBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * More agents in one JVM than OkHttp's default dispatcher runs calls at once (64): each agent's
 * WebSocket holds a running call while it is open, so with the default only 64 ever connected
 * (found by the scale benchmark, see docs/benchmarks.md).
 */
@Tag("slow")
class ManyAgentsTest {

    private static final int AGENTS = 70;

    @Test
    void everyAgentOfAJvmConnectsThroughTheSharedClient() throws Exception {
        List<OpsAgent> agents = new ArrayList<>();
        try (ReferenceBackend backend = ReferenceBackend.builder().build().start()) {
            try {
                for (int i = 0; i < AGENTS; i++) {
                    OpsAgent agent = OpsAgent.builder()
                            .identity(new AgentIdentity("i-many-" + i, "app-many", "test", "token"))
                            .executor((request, callback) -> StateExecution.NONE)
                            .connection(ConnectionSettings.builder(backend.url()).build())
                            .build();
                    agent.start();
                    agents.add(agent);
                }
                backend.awaitHandshake(AGENTS, Duration.ofSeconds(60));
                Set<String> instances = backend.handshakes().stream().map(h -> h.string("instance_id"))
                        .collect(Collectors.toSet());
                assertThat(instances).hasSize(AGENTS);
            } finally {
                agents.forEach(OpsAgent::close);
            }
        }
    }
}
