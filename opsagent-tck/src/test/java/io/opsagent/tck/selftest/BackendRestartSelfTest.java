package io.opsagent.tck.selftest;

import io.opsagent.tck.AgentUnderTest;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rows of {@link TckSelfTest} whose conformance test restarts the backend on its port
 * ({@link TckSelfTest#RESTARTS_THE_BACKEND}): the same check, one run at a time, in a class that
 * runs alone, so no other run's connection can take the port while it is free.
 */
class BackendRestartSelfTest {

  @ParameterizedTest(name = "{0} fails against {1}")
  @MethodSource("io.opsagent.tck.selftest.TckSelfTest#brokenAgentPerTestRestartingTheBackend")
  void everyRequiredTestRestartingTheBackendFailsAgainstAnAgentBreakingItsRule(
      String method, Supplier<AgentUnderTest> brokenAgent, String fragment) {
    TckSelfTest.requireFailure(method, brokenAgent, fragment);
  }
}
