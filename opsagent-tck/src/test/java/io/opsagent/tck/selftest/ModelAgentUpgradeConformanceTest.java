package io.opsagent.tck.selftest;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.UpgradeConformanceTest;
import io.opsagent.tck.model.ModelAgent;

/** The kit's own model agent must pass every required test of R5, upgrade. */
class ModelAgentUpgradeConformanceTest extends UpgradeConformanceTest {

  @Override
  protected AgentUnderTest createAgent() {
    return new ModelAgent();
  }
}
