package io.opsagent.tck.selftest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The tests that measure a pause between two runs of states must not count a late StateLog
 * against the agent: a StateLog that arrives late shortens (or, after the pause, stretches) the
 * span between the StateLogs' arrivals, not the pause the agent made. Apart from {@link
 * TckSelfTest}, whose runs go concurrently: these must pass, so they run one at a time, without
 * the load of other runs on their timings.
 */
class LateStateLogTest {

  @ParameterizedTest(name = "{0} passes with late StateLogs")
  @ValueSource(strings = {
      "required_R2_3_failureInRetryCeasesRoundIntoBackoff",
      "required_R2_3_backoffGrowsExponentiallyUpToCap",
      "required_R2_8_nextRoundStartsAfterRoundInterval"})
  void aStateLogDeliveredLateDoesNotShortenAMeasuredPause(String method) {
    TestExecutionSummary summary = TckSelfTest.runAgainst(method, SlowLinkAgent::new);
    assertThat(summary.getTestsSucceededCount())
        .as("%s against an agent whose StateLogs arrive up to %d ms late; failures: %s", method,
            SlowLinkAgent.LATE.toMillis(),
            summary.getFailures().stream()
                .map(failure -> String.valueOf(failure.getException().getMessage()))
                .collect(Collectors.joining("\n")))
        .isEqualTo(1);
  }
}
