package io.opsagent.tck.selftest;

import io.opsagent.tck.AgentConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.model.ModelAgent;

/** The kit's own model agent must pass every required conformance test. */
class ModelAgentConformanceTest extends AgentConformanceTest {

  @Override
  protected AgentUnderTest createAgent() {
    return new ModelAgent();
  }
}
