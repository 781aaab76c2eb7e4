package io.opsagent.tck;

import io.opsagent.backend.Recipe;
import io.opsagent.tck.internal.RecordingProbe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The conformance tests of SPEC.md section R5, upgrade: one test per testable rule of the
 * section, against the agent that {@link #createAgent()} returns. Extend it in a test source set,
 * like the class of every other section ({@link Rule.Section#conformanceTest()}), and return a
 * fresh adapter for every test (SPEC.md, "Running the kit").
 */
public abstract class UpgradeConformanceTest extends ConformanceTestBase {

  @Test
  @Tag("required")
  public void required_R5_1_upgradeOrderStartsUpgradeToOrderedVersion() {
    requireUpgradeReports();
    startAndConnect(settings().build());
    String url = "ws://127.0.0.1:9/agent/";
    backend.orderUpgrade("2.7.1", url);

    RecordingProbe.Upgrade upgrade = awaitUpgrade("an idle agent to start the ordered upgrade");
    check("2.7.1".equals(upgrade.version()) && url.equals(upgrade.url()),
        "the upgrade must be to the ordered version 2.7.1 with url %s, was %s", url, upgrade);
  }

  @Test
  @Tag("required")
  public void required_R5_2_upgradeOrderWithoutVersionIsDropped() {
    requireUpgradeReports();
    startAndConnect(settings().build());
    backend.sendText("{\"code\":\"AgentUpdate\",\"url\":\"ws://127.0.0.1:9/agent/\"}");
    backend.sendText("{\"code\":\"AgentUpdate\",\"version\":\"\",\"url\":\"ws://127.0.0.1:9/\"}");
    backend.sendText("{\"code\":\"AgentUpdate\",\"version\":7,\"url\":\"ws://127.0.0.1:9/\"}");
    backend.sendText("{\"code\":\"AgentUpdate\",\"version\":null,\"url\":\"ws://127.0.0.1:9/\"}");

    expectNoUpgrade("an AgentUpdate without a non-empty string version must be dropped");
    backend.orderUpgrade("3.0.0", "ws://127.0.0.1:9/agent/");
    RecordingProbe.Upgrade upgrade = awaitUpgrade("a valid order after the invalid ones");
    check("3.0.0".equals(upgrade.version()), "the upgrade must be to 3.0.0, was %s", upgrade);
  }

  @Test
  public void optional_R5_3_laterOrderReplacesPendingOne() {
    requireUpgradeReports();
    startAndConnect(settings().roundInterval(ms(2_000)).build());
    backend.pushRecipe(Recipe.version(1).cmd("two-s1", scratch.gate("s1.started", "s1.gate"))
        .build());
    awaitFile("s1.started", "state two-s1 to start");
    backend.orderUpgrade("4.0.0", "ws://127.0.0.1:9/agent/");
    backend.orderUpgrade("4.0.1", "ws://127.0.0.1:9/agent/");
    scratch.create("s1.gate");

    RecordingProbe.Upgrade upgrade = awaitUpgrade("the pending upgrade to run");
    if (!"4.0.1".equals(upgrade.version())) {
      skipOptional("the first of two pending orders won: " + probe.upgrades());
    }
    if (probe.awaitUpgrade(2, env.noSignalTimeout()) != null) {
      skipOptional("two pending orders led to two upgrades: " + probe.upgrades());
    }
  }

  @Test
  public void untested_R5_4_releaseIsVerifiedAndSwitchedAtomically() {
    untested("downloading, verifying and switching releases is the launcher's host contract");
  }
}
