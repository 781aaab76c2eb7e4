package io.opsagent.tck.selftest;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.TransportConformanceTest;
import io.opsagent.tck.model.ModelAgent;

/** The kit's own model agent must pass every required test of R1, transport and handshake. */
class ModelAgentTransportConformanceTest extends TransportConformanceTest {

  @Override
  protected AgentUnderTest createAgent() {
    return new ModelAgent();
  }
}
