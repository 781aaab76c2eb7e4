package io.opsagent.launcher.dist;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.ReportingConformanceTest;

/** The conformance kit's section R3, results and reporting against the launcher as a black box. */
class LauncherReportingConformanceIT extends ReportingConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new OutOfProcessAgent();
    }
}
