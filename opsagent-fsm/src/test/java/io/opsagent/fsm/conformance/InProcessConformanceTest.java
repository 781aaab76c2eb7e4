package io.opsagent.fsm.conformance;

import io.opsagent.tck.AgentConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import org.junit.jupiter.api.Tag;

/** The conformance kit against the library's agent, in this JVM. */
@Tag("slow")
class InProcessConformanceTest extends AgentConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new InProcessAgent();
    }
}
