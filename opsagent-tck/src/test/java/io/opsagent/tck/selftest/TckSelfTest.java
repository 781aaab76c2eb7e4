package io.opsagent.tck.selftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import io.opsagent.tck.AgentConformanceTest;
import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.model.ModelAgent;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The kit proves it can fail: each deliberately broken agent must fail the conformance test of
 * the rule it breaks, with a message that starts with that rule's id and says what went wrong.
 * The test methods run through the JUnit Platform, with the kit's own extension in place, as a
 * vendor's build would run them.
 */
class TckSelfTest {

  @Test
  void agentThatNeverRetriesFailsR2_2() {
    requireFailure(NeverRetriesConformance.class,
        "required_R2_2_failureInFirstAttemptRestartsRoundAtOnce", "R2.2", "must restart at once");
  }

  @Test
  void agentThatRetriesForeverWithoutBackoffFailsR2_3() {
    requireFailure(RetriesForeverWithoutBackoffConformance.class,
        "required_R2_3_failureInRetryCeasesRoundIntoBackoff", "R2.3", "must cease into backoff");
  }

  @Test
  void agentWhoseBackoffNeverGrowsFailsR2_3() {
    requireFailure(ConstantBackoffConformance.class,
        "required_R2_3_backoffGrowsExponentiallyUpToCap", "R2.3", "must grow");
  }

  @Test
  void agentThatIgnoresNewRecipeUntilStateEndsFailsR2_6() {
    requireFailure(IgnoresNewRecipeConformance.class,
        "required_R2_6_newRecipeKillsRunningStateAndStartsOver", "R2.6",
        "must cease the round at once");
  }

  @Test
  void agentThatUpgradesMidRoundFailsR2_7() {
    requireFailure(UpgradesMidRoundConformance.class,
        "required_R2_7_upgradeWaitsForRunningRoundToFinish", "R2.7", "must not interrupt the round");
  }

  @Test
  void agentWithoutStateTimeoutFailsR2_9() {
    requireFailure(IgnoresStateTimeoutConformance.class,
        "required_R2_9_stateTimeoutKillsProcessTreeAndFailsState", "R2.9", "past its timeout");
  }

  @Test
  void agentThatReportsOutOfOrderFailsR3_2() {
    requireFailure(ReportsOutOfOrderConformance.class,
        "required_R3_2_stateLogsArriveInExecutionOrder", "R3.2", "ids of the StateLogs");
  }

  @Test
  void agentThatLosesLogsOnReconnectFailsR4_4() {
    requireFailure(LosesLogsConformance.class,
        "required_R4_4_logsQueuedOfflineAreDeliveredInOrderAfterHandshake", "R4.4",
        "logs were lost");
  }

  @Test
  void aTestOverriddenAsDisabledIsSkippedNotRun() {
    TestExecutionSummary summary =
        run(ExcludingConformance.class, "required_R2_8_nextRoundStartsAfterRoundInterval");
    assertThat(summary.getTestsFoundCount()).isEqualTo(1);
    assertThat(summary.getTestsSkippedCount()).as("skipped by @Disabled").isEqualTo(1);
    assertThat(summary.getTestsStartedCount()).as("started").isZero();
  }

  private static TestExecutionSummary run(
      Class<? extends AgentConformanceTest> testClass, String method) {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    Launcher launcher =
        LauncherFactory.create(
            LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false).build());
    launcher.execute(
        LauncherDiscoveryRequestBuilder.request().selectors(selectMethod(testClass, method))
            .build(),
        listener);
    return listener.getSummary();
  }

  /** Runs one conformance test method and requires it to fail, citing {@code ruleId}. */
  private static void requireFailure(
      Class<? extends AgentConformanceTest> testClass, String method, String ruleId,
      String fragment) {
    TestExecutionSummary summary = run(testClass, method);

    assertThat(summary.getTestsFoundCount()).as("tests found for %s", method).isEqualTo(1);
    assertThat(summary.getTestsFailedCount())
        .as("%s must fail against %s, but it %s", method, testClass.getSimpleName(),
            summary.getTestsAbortedCount() > 0 ? "was skipped" : "passed")
        .isEqualTo(1);
    String message = summary.getFailures().stream()
        .map(failure -> String.valueOf(failure.getException().getMessage()))
        .collect(Collectors.joining("\n"));
    assertThat(message)
        .as("the failure message must cite the rule and say what went wrong")
        .startsWith("[" + ruleId + "] ")
        .contains(fragment);
  }

  /** Each broken agent's conformance class; nested, so the build does not run them directly. */
  abstract static class BrokenConformance extends AgentConformanceTest {
    private final Supplier<AgentUnderTest> factory;

    BrokenConformance(Supplier<AgentUnderTest> factory) {
      this.factory = factory;
    }

    @Override
    protected AgentUnderTest createAgent() {
      return factory.get();
    }
  }

  /** A vendor's way to leave a test out: override it, disabled, with a reason. */
  static class ExcludingConformance extends BrokenConformance {
    ExcludingConformance() {
      super(ModelAgent::new);
    }

    @Override
    @Test
    @Disabled("left out to prove that an override excludes a test")
    public void required_R2_8_nextRoundStartsAfterRoundInterval() {
      throw new AssertionError("a disabled override must not run");
    }
  }

  static class NeverRetriesConformance extends BrokenConformance {
    NeverRetriesConformance() {
      super(BrokenAgents.NeverRetries::new);
    }
  }

  static class RetriesForeverWithoutBackoffConformance extends BrokenConformance {
    RetriesForeverWithoutBackoffConformance() {
      super(BrokenAgents.RetriesForeverWithoutBackoff::new);
    }
  }

  static class ConstantBackoffConformance extends BrokenConformance {
    ConstantBackoffConformance() {
      super(BrokenAgents.ConstantBackoff::new);
    }
  }

  static class IgnoresNewRecipeConformance extends BrokenConformance {
    IgnoresNewRecipeConformance() {
      super(BrokenAgents.IgnoresNewRecipeUntilStateEnds::new);
    }
  }

  static class UpgradesMidRoundConformance extends BrokenConformance {
    UpgradesMidRoundConformance() {
      super(BrokenAgents.UpgradesMidRound::new);
    }
  }

  static class IgnoresStateTimeoutConformance extends BrokenConformance {
    IgnoresStateTimeoutConformance() {
      super(BrokenAgents.IgnoresStateTimeout::new);
    }
  }

  static class ReportsOutOfOrderConformance extends BrokenConformance {
    ReportsOutOfOrderConformance() {
      super(BrokenAgents.ReportsOutOfOrder::new);
    }
  }

  static class LosesLogsConformance extends BrokenConformance {
    LosesLogsConformance() {
      super(BrokenAgents.LosesLogsOnReconnect::new);
    }
  }
}
