package io.opsagent.tck.selftest;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.ReportingConformanceTest;
import io.opsagent.tck.model.ModelAgent;

/** The kit's own model agent must pass every required test of R3, results and reporting. */
class ModelAgentReportingConformanceTest extends ReportingConformanceTest {

  @Override
  protected AgentUnderTest createAgent() {
    return new ModelAgent();
  }
}
