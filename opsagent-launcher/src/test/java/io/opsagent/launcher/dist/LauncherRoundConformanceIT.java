package io.opsagent.launcher.dist;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.RoundConformanceTest;

/** The conformance kit's section R2, round lifecycle against the launcher as a black box. */
class LauncherRoundConformanceIT extends RoundConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new OutOfProcessAgent();
    }
}
