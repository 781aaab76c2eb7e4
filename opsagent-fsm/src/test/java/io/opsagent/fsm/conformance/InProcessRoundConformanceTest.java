package io.opsagent.fsm.conformance;

import io.opsagent.tck.RoundConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import org.junit.jupiter.api.Tag;

/** The conformance kit's section R2, round lifecycle against the library's agent, in this JVM. */
@Tag("slow")
class InProcessRoundConformanceTest extends RoundConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new InProcessAgent();
    }
}
