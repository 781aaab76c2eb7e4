package io.opsagent.launcher.dist;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.ReconnectConformanceTest;

/** The conformance kit's section R4, reconnect and backoff against the launcher as a black box. */
class LauncherReconnectConformanceIT extends ReconnectConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new OutOfProcessAgent();
    }
}
