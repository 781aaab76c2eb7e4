package io.opsagent.launcher.dist;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.UpgradeConformanceTest;

/** The conformance kit's section R5, upgrade against the launcher as a black box. */
class LauncherUpgradeConformanceIT extends UpgradeConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new OutOfProcessAgent();
    }
}
