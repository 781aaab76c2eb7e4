package io.opsagent.fsm.conformance;

import io.opsagent.tck.BadInputConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import org.junit.jupiter.api.Tag;

/** The conformance kit's section R6, bad input against the library's agent, in this JVM. */
@Tag("slow")
class InProcessBadInputConformanceTest extends BadInputConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new InProcessAgent();
    }
}
