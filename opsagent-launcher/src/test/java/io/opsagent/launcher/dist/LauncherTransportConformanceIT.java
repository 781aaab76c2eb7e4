package io.opsagent.launcher.dist;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.TransportConformanceTest;

/** The conformance kit's section R1, transport and handshake against the launcher as a black box. */
class LauncherTransportConformanceIT extends TransportConformanceTest {

    @Override
    protected AgentUnderTest createAgent() {
        return new OutOfProcessAgent();
    }
}
