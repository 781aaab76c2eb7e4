package io.opsagent.fsm.conformance;

import io.opsagent.tck.ReportingConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import org.junit.jupiter.api.Tag;

/** The conformance kit's section R3, results and reporting against the library's agent, in this JVM. */
@Tag("slow")
class InProcessReportingConformanceTest extends ReportingConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new InProcessAgent();
    }
}
