package io.opsagent.tck.selftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import static org.junit.jupiter.api.Named.named;

import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.BadInputConformanceTest;
import io.opsagent.tck.ConformanceTestBase;
import io.opsagent.tck.ReconnectConformanceTest;
import io.opsagent.tck.ReportingConformanceTest;
import io.opsagent.tck.RoundConformanceTest;
import io.opsagent.tck.TransportConformanceTest;
import io.opsagent.tck.UpgradeConformanceTest;
import io.opsagent.tck.Rule;
import io.opsagent.tck.model.Breakage;
import io.opsagent.tck.model.ModelAgent;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
 *
 * <p>Most of a broken agent's run is waiting out a signal timeout for what it never does, so the
 * runs of the two parameterized tests go concurrently (when the build enables JUnit's parallel
 * execution, see this module's POM): each run has its own backend, scratch directory, probe and
 * agent, and the broken agent is handed to the run on the thread that runs it. The class itself
 * runs alone, as every other class of the module, whose tests pass on timings.
 */
class TckSelfTest {

  /**
   * One broken agent for every required test: each breaks that test's rule and nothing else (see
   * {@link Breakage} and {@link BrokenAgents}), and the fragment is what the failure must say
   * besides the rule id.
   */
  static Stream<Arguments> brokenAgentPerRequiredTest() {
    return Stream.of(
        row("required_R1_1_sendsOnlyJsonObjectTextFramesWithCode",
            Breakage.SENDS_FRAME_WITHOUT_CODE, "frames that are not one JSON object"),
        row("required_R1_2_handshakeIsFirstFrameWithIdentity",
            Breakage.HANDSHAKE_WITHOUT_INSTANCE_ID, "instance_id"),
        row("required_R1_3_appNotReadyRepeatsHandshakeOnSameConnectionAfterPause",
            Breakage.IGNORES_APP_NOT_READY, "waiting for Handshake number 3"),
        row("required_R1_7_waitListReleasesListedWaits",
            Breakage.IGNORES_WAIT_LIST, "they must be released as by State"),
        row("required_R1_8_wssVerifiesCertificatesAndHostNames",
            Breakage.TRUSTS_ANY_CERTIFICATE, "must refuse"),
        row("required_R2_1_statesRunOneAtATimeInRecipeOrder",
            Breakage.RUNS_STATES_IN_REVERSE, "in recipe order"),
        row("required_R2_2_failureInFirstAttemptRestartsRoundAtOnce",
            "an agent that never retries", BrokenAgents.NeverRetries::new,
            "must restart at once"),
        row("required_R2_3_failureInRetryCeasesRoundIntoBackoff",
            "an agent that retries without backoff", BrokenAgents.RetriesForeverWithoutBackoff::new,
            "must cease into backoff"),
        row("required_R2_3_failureInRetryCeasesRoundIntoBackoff",
            "an agent that backs off a quarter as long", BrokenAgents.QuarterBackoff::new,
            "must cease into backoff for at least"),
        row("required_R2_3_backoffGrowsExponentiallyUpToCap",
            "an agent whose backoff never grows", BrokenAgents.ConstantBackoff::new,
            "must grow"),
        row("required_R2_3_backoffGrowsExponentiallyUpToCap",
            "an agent that backs off a quarter as long", BrokenAgents.QuarterBackoff::new,
            "must grow"),
        row("required_R2_3_backoffGrowsExponentiallyUpToCap",
            "an agent whose backoff passes the cap", BrokenAgents.IgnoresBackoffCap::new,
            "more than the cap"),
        row("required_R2_3_backoffResetsAfterSuccessfulRound",
            Breakage.KEEPS_BACKOFF_AFTER_SUCCESS, "must start again from its initial"),
        row("required_R2_4_commentStateIsReportedButNeverExecuted",
            Breakage.RUNS_COMMENT_STATES, "the comment state was executed"),
        row("required_R2_5_waitStateHoldsRoundUntilReleased",
            Breakage.WAIT_DOES_NOT_HOLD, "must hold at wait state hold-w1"),
        row("required_R2_5_releaseBeforeWaitIsReachedIsRemembered",
            Breakage.FORGETS_EARLY_RELEASE, "must be remembered"),
        row("required_R2_5_releaseLastsForLaterRoundsOfSameVersion",
            Breakage.RELEASE_LASTS_ONE_ROUND, "a release lasts for the recipe version"),
        row("required_R2_5_releaseForAnotherVersionIsIgnored",
            Breakage.RELEASE_IGNORES_VERSION, "must not release a wait state of version 2"),
        row("required_R2_6_newRecipeKillsRunningStateAndStartsOver",
            "an agent that lets the running state finish",
            BrokenAgents.IgnoresNewRecipeUntilStateEnds::new,
            "must cease the round at once"),
        row("required_R2_6_newRecipeCutsBackoffShort",
            Breakage.NEW_RECIPE_WAITS_FOR_BACKOFF, "backoff"),
        row("required_R2_6_sameVersionRecipeIsIgnored",
            Breakage.RESTARTS_ON_SAME_VERSION, "must be ignored"),
        row("required_R2_6_headerOnlyRecipeRestartsStatesUnderNewVersion",
            Breakage.IGNORES_HEADER_ONLY_RECIPE, "header-only recipe must restart"),
        row("required_R2_6_emptyRecipeStopsRounds",
            Breakage.IGNORES_EMPTY_RECIPE, "an empty recipe (state: []) ceases the round"),
        row("required_R2_7_upgradeWaitsForRunningRoundToFinish",
            "an agent that upgrades mid-round", BrokenAgents.UpgradesMidRound::new,
            "must not interrupt the round"),
        row("required_R2_7_upgradeRunsWhenRoundCeasesIntoBackoff",
            Breakage.NO_UPGRADE_WHEN_ROUND_CEASES, "the upgrade must run"),
        row("required_R2_7_upgradeRunsAtOnceBetweenRounds",
            Breakage.DEFERS_UPGRADE_BETWEEN_ROUNDS, "between rounds an upgrade must run at once"),
        row("required_R2_8_nextRoundStartsAfterRoundInterval",
            Breakage.WAITS_TWICE_THE_ROUND_INTERVAL, "it must start after the round interval"),
        row("required_R2_9_stateTimeoutKillsProcessTreeAndFailsState",
            "an agent without state timeout", BrokenAgents.IgnoresStateTimeout::new,
            "past its timeout"),
        row("required_R3_1_everyExecutedStateIsReportedOnceWithAllFields",
            Breakage.STATELOG_WITHOUT_COMMENT, "state_comment must be present"),
        row("required_R3_2_stateLogsArriveInExecutionOrder",
            "an agent that reports out of order", BrokenAgents.ReportsOutOfOrder::new,
            "ids of the StateLogs"),
        row("required_R3_3_linuxCmdExitStatusDecidesResult",
            Breakage.IGNORES_EXIT_STATUS, "must fail"),
        row("required_R3_5_unsupportedModuleFailsState",
            Breakage.PASSES_UNSUPPORTED_MODULES, "must fail, not be skipped"),
        row("required_R4_1_reconnectsAfterBackendClosesConnection",
            Breakage.NEVER_RECONNECTS, "no second Handshake came"),
        row("required_R4_1_reconnectsAfterConnectionBreaks",
            Breakage.NEVER_RECONNECTS, "no second Handshake came"),
        row("required_R4_1_reconnectsAfterBackendRestarts",
            Breakage.NEVER_RECONNECTS, "no second Handshake came"),
        row("required_R4_2_reconnectAttemptsBackOffUpToMax",
            Breakage.RECONNECTS_WITHOUT_BACKOFF, "must back off"),
        row("required_R4_3_roundsContinueWhileDisconnected",
            Breakage.PAUSES_ROUNDS_WHILE_DISCONNECTED,
            "rounds must go on while the agent is disconnected"),
        row("required_R4_4_logsQueuedOfflineAreDeliveredInOrderAfterHandshake",
            "an agent that loses queued logs", BrokenAgents.LosesLogsOnReconnect::new,
            "logs were lost"),
        row("required_R5_1_upgradeOrderStartsUpgradeToOrderedVersion",
            Breakage.DROPS_UPGRADE_URL, "ordered version 2.7.1 with url"),
        row("required_R5_2_upgradeOrderWithoutVersionIsDropped",
            Breakage.UPGRADES_WITHOUT_VERSION, "must be dropped"),
        row("required_R5_4_soundReleaseIsInstalledAndMadeCurrent",
            Breakage.INSTALLS_WITHOUT_SWITCHING, "the current version must be 1.0.0, is null"),
        row("required_R5_4_releaseSignedWithUntrustedKeyIsRefusedAndChangesNothing",
            Breakage.IGNORES_RELEASE_SIGNATURE, "the installer switched to it"),
        row("required_R5_4_releaseNotMatchingItsChecksumIsRefusedAndChangesNothing",
            Breakage.SWITCHES_BEFORE_VERIFYING, "opsagent/releases/2.0.0 appeared"),
        row("required_R5_4_releaseWithEntryClimbingOutIsRefusedAndChangesNothing",
            Breakage.UNPACKS_ENTRIES_OUTSIDE_RELEASE, "opsagent/releases/x appeared"),
        row("required_R5_4_releaseWithAbsoluteEntryIsRefusedAndChangesNothing",
            Breakage.UNPACKS_ENTRIES_OUTSIDE_RELEASE, "absolute-x was written, outside the release"),
        row("required_R5_4_releaseThatCannotStartIsRolledBackToThePreviousOne",
            Breakage.NEVER_ROLLS_BACK, "no Handshake with agent_version 1.0.0"),
        row("required_R5_4_releaseThatCannotStartIsRolledBackToThePreviousOne",
            Breakage.FALLS_BACK_WITHOUT_SWITCHING_CURRENT,
            "bin/opsagent in the current release's directory"),
        row("required_R6_1_malformedFramesAreDroppedAndConnectionStays",
            Breakage.CLOSES_ON_MALFORMED_FRAME, "the connection must stay open"),
        row("required_R6_2_messagesWithInvalidFieldsAreRejectedWhole",
            Breakage.RUNS_VALID_PART_OF_INVALID_RECIPE, "must be rejected without any effect"),
        row("required_R6_3_unknownFieldsAreIgnored",
            Breakage.REJECTS_UNKNOWN_FIELDS, "the recipe with unknown fields to run"));
  }

  private static Arguments row(String method, Breakage breakage, String fragment) {
    return Arguments.of(method,
        named("the model agent breaking " + breakage,
            (Supplier<AgentUnderTest>) () -> new ModelAgent(breakage)),
        fragment);
  }

  private static Arguments row(String method, String agentName, Supplier<AgentUnderTest> agent,
      String fragment) {
    return Arguments.of(method, named(agentName, agent), fragment);
  }

  /** The rows whose test keeps the backend on one port from start to end. */
  static Stream<Arguments> brokenAgentPerTestKeepingItsPort() {
    return brokenAgentPerRequiredTest()
        .filter(row -> !RESTARTS_THE_BACKEND.contains((String) row.get()[0]));
  }

  /** The rows whose test stops the backend and starts it again on its port. */
  static Stream<Arguments> brokenAgentPerTestRestartingTheBackend() {
    return brokenAgentPerRequiredTest()
        .filter(row -> RESTARTS_THE_BACKEND.contains((String) row.get()[0]));
  }

  /**
   * The tests that stop the backend and start it again on its port. While the port is free, a
   * concurrent run's connection may take it as its local port, and the backend cannot bind it
   * again ("Address already in use"), so their rows run in {@link BackendRestartSelfTest}, a class
   * of its own, which runs alone.
   */
  static final Set<String> RESTARTS_THE_BACKEND = Set.of(
      "required_R1_8_wssVerifiesCertificatesAndHostNames",
      "required_R4_1_reconnectsAfterBackendRestarts");

  @ParameterizedTest(name = "{0} fails against {1}")
  @Execution(ExecutionMode.CONCURRENT)
  @MethodSource("brokenAgentPerTestKeepingItsPort")
  void everyRequiredTestFailsAgainstAnAgentBreakingItsRule(
      String method, Supplier<AgentUnderTest> brokenAgent, String fragment) {
    requireFailure(method, brokenAgent, fragment);
  }

  /**
   * Two unrelated required tests, one on the connection and one on a round, with the rules whose
   * breaking they also see (R3.3's test reads the StateLogs of two states in order).
   */
  private static final Map<String, Set<String>> UNRELATED_TESTS = Map.of(
      "required_R1_2_handshakeIsFirstFrameWithIdentity", Set.of("R1.2"),
      "required_R3_3_linuxCmdExitStatusDecidesResult", Set.of("R3.3", "R2.1", "R3.2"));

  @ParameterizedTest(name = "{1} passes tests of other rules")
  @Execution(ExecutionMode.CONCURRENT)
  @MethodSource("brokenAgentPerRequiredTest")
  void aBrokenAgentIsCaughtOnlyByTestsThatSeeItsRule(
      String method, Supplier<AgentUnderTest> brokenAgent, String fragment) {
    String ruleId = Rule.ofTestName(method).id();
    for (Map.Entry<String, Set<String>> unrelated : UNRELATED_TESTS.entrySet()) {
      if (unrelated.getValue().contains(ruleId)) {
        continue;
      }
      TestExecutionSummary summary = runAgainst(unrelated.getKey(), brokenAgent);
      assertThat(summary.getTestsSucceededCount())
          .as("%s must pass against %s, which breaks only %s", unrelated.getKey(),
              brokenAgent.get(), ruleId)
          .isEqualTo(1);
    }
  }

  @Test
  void everyRequiredTestHasABrokenAgent() {
    Set<String> required = conformanceTests()
        .map(Method::getName)
        .filter(name -> name.startsWith("required_"))
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> covered = brokenAgentPerRequiredTest()
        .map(arguments -> (String) arguments.get()[0])
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(covered).as("required tests with a broken agent in the self-test")
        .containsExactlyElementsOf(required);
  }

  @Test
  void requiredTestsAreTaggedRequiredAndNoOtherIs() {
    for (Method method : conformanceTests().collect(Collectors.toList())) {
      boolean tagged = Arrays.stream(method.getAnnotationsByType(Tag.class))
          .anyMatch(tag -> tag.value().equals("required"));
      assertThat(tagged).as("@Tag(\"required\") on %s", method.getName())
          .isEqualTo(method.getName().startsWith("required_"));
    }
  }

  /** The test methods of every section's class. */
  private static Stream<Method> conformanceTests() {
    return Arrays.stream(Rule.Section.values())
        .flatMap(section -> Arrays.stream(section.conformanceTest().getMethods()))
        .filter(method -> method.isAnnotationPresent(Test.class));
  }

  @Test
  void everySectionHasAConcreteClassInTheSelfTest() {
    for (Rule.Section section : Rule.Section.values()) {
      assertThat(BROKEN.get(section)).as("the self-test's class for %s", section).isNotNull()
          .isAssignableTo(section.conformanceTest());
    }
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
      Class<? extends ConformanceTestBase> testClass, String method) {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    Launcher launcher =
        LauncherFactory.create(
            LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false).build());
    // On the calling thread, which is where the broken agent of the run is known (see current).
    launcher.execute(
        LauncherDiscoveryRequestBuilder.request().selectors(selectMethod(testClass, method))
            .configurationParameter("junit.jupiter.execution.parallel.enabled", "false")
            .build(),
        listener);
    return listener.getSummary();
  }

  /** Runs one conformance method against {@code agent}, on this thread. */
  static TestExecutionSummary runAgainst(String method, Supplier<AgentUnderTest> agent) {
    current.set(agent);
    try {
      return run(BROKEN.get(Rule.ofTestName(method).section()), method);
    } finally {
      current.remove();
    }
  }

  /**
   * Runs one conformance method against {@code agent}; it must fail, citing its rule's id and
   * saying {@code fragment}.
   */
  static void requireFailure(String method, Supplier<AgentUnderTest> agent, String fragment) {
    String ruleId = Rule.ofTestName(method).id();
    TestExecutionSummary summary = runAgainst(method, agent);

    assertThat(summary.getTestsFoundCount()).as("tests found for %s", method).isEqualTo(1);
    assertThat(summary.getTestsFailedCount())
        .as("%s must fail against %s, but it %s", method, agent.get(),
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

  /**
   * The broken agent of the run on this thread; the self-test sets it around each run of one of
   * the classes below, which runs on the same thread, so concurrent runs do not share it.
   */
  private static final ThreadLocal<Supplier<AgentUnderTest>> current = new ThreadLocal<>();

  /** Each section's class run against {@link #current}. */
  private static final Map<Rule.Section, Class<? extends ConformanceTestBase>> BROKEN = Map.of(
      Rule.Section.R1, BrokenTransport.class,
      Rule.Section.R2, BrokenRound.class,
      Rule.Section.R3, BrokenReporting.class,
      Rule.Section.R4, BrokenReconnect.class,
      Rule.Section.R5, BrokenUpgrade.class,
      Rule.Section.R6, BrokenBadInput.class);

  // Nested, so the build does not run them directly.

  static class BrokenTransport extends TransportConformanceTest {
    @Override
    protected AgentUnderTest createAgent() {
      return current.get().get();
    }
  }

  static class BrokenRound extends RoundConformanceTest {
    @Override
    protected AgentUnderTest createAgent() {
      return current.get().get();
    }
  }

  static class BrokenReporting extends ReportingConformanceTest {
    @Override
    protected AgentUnderTest createAgent() {
      return current.get().get();
    }
  }

  static class BrokenReconnect extends ReconnectConformanceTest {
    @Override
    protected AgentUnderTest createAgent() {
      return current.get().get();
    }
  }

  static class BrokenUpgrade extends UpgradeConformanceTest {
    @Override
    protected AgentUnderTest createAgent() {
      return current.get().get();
    }
  }

  static class BrokenBadInput extends BadInputConformanceTest {
    @Override
    protected AgentUnderTest createAgent() {
      return current.get().get();
    }
  }

  /** A vendor's way to leave a test out: override it, disabled, with a reason. */
  static class ExcludingConformance extends RoundConformanceTest {
    @Override
    protected AgentUnderTest createAgent() {
      return new ModelAgent();
    }

    @Override
    @Test
    @Disabled("left out to prove that an override excludes a test")
    public void required_R2_8_nextRoundStartsAfterRoundInterval() {
      throw new AssertionError("a disabled override must not run");
    }
  }
}
