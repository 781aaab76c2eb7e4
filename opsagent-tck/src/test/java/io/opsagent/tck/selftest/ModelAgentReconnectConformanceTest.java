package io.opsagent.tck.selftest;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.ReconnectConformanceTest;
import io.opsagent.tck.model.ModelAgent;

/** The kit's own model agent must pass every required test of R4, reconnect and backoff. */
class ModelAgentReconnectConformanceTest extends ReconnectConformanceTest {

  @Override
  protected AgentUnderTest createAgent() {
    return new ModelAgent();
  }
}
