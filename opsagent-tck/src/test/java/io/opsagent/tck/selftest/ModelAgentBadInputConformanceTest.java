package io.opsagent.tck.selftest;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.BadInputConformanceTest;
import io.opsagent.tck.model.ModelAgent;

/** The kit's own model agent must pass every required test of R6, bad input. */
class ModelAgentBadInputConformanceTest extends BadInputConformanceTest {

  @Override
  protected AgentUnderTest createAgent() {
    return new ModelAgent();
  }
}
