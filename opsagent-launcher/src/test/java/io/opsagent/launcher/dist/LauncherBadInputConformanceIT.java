package io.opsagent.launcher.dist;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.BadInputConformanceTest;

/** The conformance kit's section R6, bad input against the launcher as a black box. */
class LauncherBadInputConformanceIT extends BadInputConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new OutOfProcessAgent();
    }
}
