package io.opsagent.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** The summary counts by rule section and gives a verdict. */
class ConformanceSummaryListenerTest {

  /** Stands in for a conformance run; nested, so the build does not run it directly. */
  static class FakeRun {
    @Test
    void required_R1_1_passes() {}

    @Test
    void required_R2_3_fails() {
      throw new AssertionError("[R2.3] no backoff");
    }

    @Test
    void optional_R3_4_isNotImplemented() {
      Assumptions.abort("[R3.4] optional rule not met: no output");
    }

    @Test
    void untested_R1_8_cannotBeVerified() {
      Assumptions.abort("not verified");
    }

    @Test
    void helperWithoutRule() {}
  }

  @Test
  void summarisesByRuleSectionWithFailuresSkipsAndVerdict() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Launcher launcher = LauncherFactory.create(
        LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false).build());
    launcher.execute(
        LauncherDiscoveryRequestBuilder.request().selectors(selectClass(FakeRun.class)).build(),
        new ConformanceSummaryListener(new PrintStream(bytes, true, StandardCharsets.UTF_8)));
    String report = bytes.toString(StandardCharsets.UTF_8);

    assertThat(report)
        .contains("conformance of " + FakeRun.class.getName())
        .containsPattern("R1 +transport and handshake +1 passed +0 failed +1 skipped")
        .containsPattern("R2 +round lifecycle +0 passed +1 failed +0 skipped")
        .contains("required: 1 of 2 passed; optional: 0 passed, 0 failed, 1 skipped;"
            + " not verifiable by the kit: 1")
        .contains("FAILED  [R2.3] required_R2_3_fails")
        .contains("skipped [R3.4] optional_R3_4_isNotImplemented: [R3.4] optional rule not met")
        .contains("verdict: NOT CONFORMANT: 1 required test(s) failed")
        .contains("no test of section R4 reconnect and backoff ran: extend"
            + " ReconnectConformanceTest too")
        .contains("no test of section R6 bad input ran")
        .doesNotContain("no test of section R1")
        .doesNotContain("helperWithoutRule");
  }
}
