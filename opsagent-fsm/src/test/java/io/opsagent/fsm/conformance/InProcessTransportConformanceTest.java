package io.opsagent.fsm.conformance;

import io.opsagent.tck.TransportConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import org.junit.jupiter.api.Tag;

/** The conformance kit's section R1, transport and handshake against the library's agent, in this JVM. */
@Tag("slow")
class InProcessTransportConformanceTest extends TransportConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new InProcessAgent();
    }
}
