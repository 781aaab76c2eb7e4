package io.opsagent.fsm.conformance;

import io.opsagent.tck.UpgradeConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import org.junit.jupiter.api.Tag;

/** The conformance kit's section R5, upgrade against the library's agent, in this JVM. */
@Tag("slow")
class InProcessUpgradeConformanceTest extends UpgradeConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new InProcessAgent();
    }
}
