package io.opsagent.fsm.conformance;

import io.opsagent.tck.ReconnectConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import org.junit.jupiter.api.Tag;

/** The conformance kit's section R4, reconnect and backoff against the library's agent, in this JVM. */
@Tag("slow")
class InProcessReconnectConformanceTest extends ReconnectConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new InProcessAgent();
    }
}
