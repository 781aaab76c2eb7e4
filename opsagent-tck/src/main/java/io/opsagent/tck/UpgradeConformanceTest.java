package io.opsagent.tck;

import io.opsagent.backend.BackendTimeoutException;
import io.opsagent.backend.ReceivedMessage;
import io.opsagent.backend.Recipe;
import io.opsagent.tck.internal.FileTree;
import io.opsagent.tck.internal.Poll;
import io.opsagent.tck.internal.RecordingProbe;
import io.opsagent.tck.internal.ReleaseBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
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
  @Tag("required")
  public void required_R5_4_soundReleaseIsInstalledAndMadeCurrent() throws Exception {
    InstallHost host = installHost();
    host.installSound("1.0.0");
    host.installSound("1.1.0");
  }

  @Test
  @Tag("required")
  public void required_R5_4_releaseSignedWithUntrustedKeyIsRefusedAndChangesNothing()
      throws Exception {
    InstallHost host = installHost();
    host.installSound("1.0.0");
    host.expectRefused(host.releases.signedByUntrustedKey("2.0.0"),
        "a release signed with a key the agent does not trust");
  }

  @Test
  @Tag("required")
  public void required_R5_4_releaseNotMatchingItsChecksumIsRefusedAndChangesNothing()
      throws Exception {
    InstallHost host = installHost();
    host.installSound("1.0.0");
    host.expectRefused(host.releases.replacedAfterSigning("2.0.0"),
        "a release whose tarball does not match its checksum (replaced after signing)");
  }

  @Test
  @Tag("required")
  public void required_R5_4_releaseWithEntryClimbingOutIsRefusedAndChangesNothing()
      throws Exception {
    InstallHost host = installHost();
    host.installSound("1.0.0");
    host.expectRefused(host.releases.withExtraEntry("2.0.0", "../x"),
        "a signed release with the entry '../x'");
  }

  @Test
  @Tag("required")
  public void required_R5_4_releaseWithAbsoluteEntryIsRefusedAndChangesNothing()
      throws Exception {
    InstallHost host = installHost();
    host.installSound("1.0.0");
    Path target = host.hostDir.resolve("absolute-x");
    host.expectRefused(host.releases.withExtraEntry("2.0.0", target.toString()),
        "a signed release with the absolute entry '" + target + "'", target);
  }

  @Test
  @Tag("required")
  public void required_R5_4_releaseThatCannotStartIsRolledBackToThePreviousOne() throws Exception {
    InstallHost host = installHost();
    ReleaseSupervisor supervisor = host.supervisor();
    try {
      Map<String, ReleaseBuilder.ReleaseFile> working =
          ReleaseBuilder.readRelease(supervisor.workingRelease());
      host.installPacked("1.0.0", working, "the agent's working release packed as 1.0.0");
      Duration comeUpDeadline = ms(3_000);
      AgentSettings settings = settings().build();
      Files.createDirectories(settings.workDir());

      // given: release 1.0.0 runs and hand-shakes
      supervisor.start(settings, comeUpDeadline);
      awaitHandshakeFrom("1.0.0", 0, comeUpDeadline,
          "release 1.0.0 (the agent's working release) to come up under its supervisor");
      supervisor.stop();

      // when: release 2.0.0, which cannot start, is installed and the host runs on
      host.installPacked("2.0.0", ReleaseBuilder.withFailingLauncher(working, "2.0.0"),
          "release 2.0.0, whose bin/opsagent exits with 1,");
      int handshakesBefore = backend.handshakes().size();
      supervisor.start(settings, comeUpDeadline);

      // then: the agent goes back to 1.0.0, which hand-shakes again, with its own files current
      awaitHandshakeFrom("1.0.0", handshakesBefore, comeUpDeadline,
          "the agent to roll back from release 2.0.0, which cannot start, to release 1.0.0");
      host.expectCurrentAgain("1.0.0", working, supervisor, env,
          "after release 2.0.0 could not start, release 1.0.0 must be current again");
    } finally {
      supervisor.stop();
    }
  }

  /**
   * Waits for a Handshake after the first {@code known} ones that reports {@code version} as
   * {@code agent_version}: within twice the come-up deadline (one for a release that does not
   * come up, one for the release the agent goes back to) plus the signal timeout.
   */
  private void awaitHandshakeFrom(String version, int known, Duration comeUpDeadline, String what) {
    Duration timeout = comeUpDeadline.multipliedBy(2).plus(env.signalTimeout());
    try {
      backend.await("a Handshake from release " + version, () -> {
        List<ReceivedMessage> handshakes = backend.handshakes();
        return handshakes.subList(Math.min(known, handshakes.size()), handshakes.size()).stream()
            .filter(h -> version.equals(h.string("agent_version"))).findFirst().orElse(null);
      }, timeout);
    } catch (BackendTimeoutException e) {
      List<ReceivedMessage> handshakes = backend.handshakes();
      throw new AssertionError("no Handshake with agent_version " + version + " within "
          + timeout.toMillis() + " ms: waited for " + what + "; the Handshakes since then reported "
          + handshakes.subList(Math.min(known, handshakes.size()), handshakes.size()).stream()
              .map(h -> String.valueOf(h.string("agent_version"))).collect(Collectors.toList()),
          e);
    }
  }

  /**
   * The R5.4 fixture: an install directory for the agent, {@code host/opsagent} in the scratch
   * directory, and a release builder whose key the agent trusts. "Nothing changed" is checked on
   * all of {@code host/}, so an entry that climbs out of the install directory shows too.
   */
  private InstallHost installHost() throws Exception {
    ReleaseBuilder releases = new ReleaseBuilder(scratch.path("built-releases"));
    Path installDir = Files.createDirectories(scratch.path("host").resolve("opsagent"));
    Optional<ReleaseInstaller> installer = agent.releaseInstaller(installDir, releases.trustKey());
    if (installer == null || installer.isEmpty()) {
      Assumptions.abort("[" + rule.id() + "] skipped: the AgentUnderTest offers no release"
          + " installer (releaseInstaller(installDir, trustKey) is empty); return one to verify"
          + " R5.4");
    }
    return new InstallHost(installDir, releases, installer.get(), rule);
  }

  private static final class InstallHost {
    final Path hostDir;
    final Path installDir;
    final ReleaseBuilder releases;
    final ReleaseInstaller installer;
    final Rule rule;
    /** The version the kit last installed. */
    String current;

    InstallHost(Path installDir, ReleaseBuilder releases, ReleaseInstaller installer, Rule rule) {
      this.installDir = installDir;
      this.hostDir = installDir.getParent();
      this.releases = releases;
      this.installer = installer;
      this.rule = rule;
    }

    ReleaseSupervisor supervisor() throws Exception {
      Optional<ReleaseSupervisor> supervisor = installer.supervisor();
      if (supervisor == null || supervisor.isEmpty()) {
        Assumptions.abort("[" + rule.id() + "] skipped: the release installer offers no"
            + " supervisor (supervisor() is empty); return one to verify R5.4's rollback of a"
            + " release that does not come up");
      }
      return supervisor.get();
    }

    /** Packs {@code files} as {@code version}, signs it with the trusted key and installs it. */
    void installPacked(String version, Map<String, ReleaseBuilder.ReleaseFile> files, String what)
        throws IOException {
      SignedRelease release = releases.packed(version, files);
      InstallOutcome outcome = install(release);
      Problems problems = new Problems(what + ", signed with the trusted key, must be installed"
          + " and made current");
      problems.check(outcome.switched(), "the installer did not switch to it: %s", outcome);
      problems.check(version.equals(outcome.currentVersion()),
          "the current version must be %s, is %s (%s)", version, outcome.currentVersion(),
          outcome);
      checkFiles(problems, outcome.currentRelease(), version, contentsOf(files), outcome);
      problems.assertNone();
      current = version;
    }

    /**
     * The agent's supervisor says {@code version} is current (within the signal timeout: an
     * agent may move its mark back just after its Handshake), with exactly {@code files}.
     */
    void expectCurrentAgain(String version, Map<String, ReleaseBuilder.ReleaseFile> files,
        ReleaseSupervisor supervisor, TckEnvironment env, String what) throws Exception {
      Poll.becomesTrueWithin(() -> {
        try {
          CurrentRelease current = supervisor.current();
          return current != null && version.equals(current.version());
        } catch (Exception e) {
          return false;
        }
      }, env.signalTimeout(), env.pollInterval());
      CurrentRelease now = supervisor.current();
      Problems problems = new Problems(what + " with exactly the files the kit packed");
      if (now == null) {
        problems.check(false, "the supervisor names no current release (current() is null)");
      } else {
        problems.check(version.equals(now.version()), "the current version must be %s, is %s",
            version, now);
        checkFiles(problems, now.directory(), version, contentsOf(files), now);
      }
      problems.assertNone();
    }

    private static Map<String, byte[]> contentsOf(Map<String, ReleaseBuilder.ReleaseFile> files) {
      Map<String, byte[]> contents = new TreeMap<>();
      files.forEach((name, file) -> contents.put(name, file.content()));
      return contents;
    }

    void installSound(String version) throws IOException {
      SignedRelease release = releases.sound(version);
      InstallOutcome outcome = install(release);
      Problems problems = new Problems("a sound " + release + ", signed with the trusted key,"
          + " must be installed and made current");
      problems.check(outcome.switched(), "the installer did not switch to it: %s", outcome);
      problems.check(version.equals(outcome.currentVersion()),
          "the current version must be %s, is %s (%s)", version, outcome.currentVersion(),
          outcome);
      checkCurrentFiles(problems, outcome, version);
      problems.assertNone();
      current = version;
    }

    void expectRefused(SignedRelease release, String what, Path... mustNotExist) {
      FileTree before = FileTree.of(hostDir);
      InstallOutcome outcome = install(release);
      FileTree after = FileTree.of(hostDir);
      Problems problems = new Problems(what + " must be refused, with nothing changed");
      problems.check(!outcome.switched(), "the installer switched to it: %s", outcome);
      problems.check(current.equals(outcome.currentVersion()),
          "the current version must still be %s, is %s (%s)", current, outcome.currentVersion(),
          outcome);
      if (current.equals(outcome.currentVersion())) {
        checkCurrentFiles(problems, outcome, current);
      }
      for (Path path : mustNotExist) {
        problems.check(!Files.exists(path, LinkOption.NOFOLLOW_LINKS),
            "%s was written, outside the release", path);
      }
      List<String> changes = before.differencesTo(after);
      problems.check(changes.isEmpty(), "%s must be as before the install, but: %s", hostDir,
          String.join("; ", changes));
      problems.assertNone();
    }

    private InstallOutcome install(SignedRelease release) {
      InstallOutcome outcome;
      try {
        outcome = installer.install(release);
      } catch (Exception e) {
        throw new AssertionError("the installer failed on " + release + " instead of installing"
            + " or refusing it: " + e, e);
      }
      if (outcome == null) {
        throw new AssertionError("the installer returned no outcome for " + release);
      }
      return outcome;
    }

    /** The current release's directory is inside the install directory and holds {@code version}'s files. */
    private void checkCurrentFiles(Problems problems, InstallOutcome outcome, String version) {
      checkFiles(problems, outcome.currentRelease(), version, ReleaseBuilder.contents(version),
          outcome);
    }

    /**
     * {@code directory}, the current release's, is inside the install directory and holds every
     * one of {@code files} with the same content, and an executable launcher.
     */
    private void checkFiles(Problems problems, Path directory, String version,
        Map<String, byte[]> files, Object source) {
      if (directory == null) {
        problems.check(false, "no directory of the current release is named: %s", source);
        return;
      }
      Path dir;
      Path install;
      try {
        dir = directory.toRealPath();
        install = installDir.toRealPath();
      } catch (IOException e) {
        problems.check(false, "the current release's directory %s cannot be resolved: %s",
            directory, e);
        return;
      }
      problems.check(dir.startsWith(install) && !dir.equals(install),
          "the current release's directory %s must be inside the install directory %s", dir,
          install);
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path path = dir.resolve(file.getKey());
        byte[] content = null;
        try {
          content = Files.readAllBytes(path);
        } catch (IOException e) {
          // reported below
        }
        problems.check(Arrays.equals(content, file.getValue()),
            "%s in the current release's directory %s must be that of release %s, %s", file.getKey(),
            dir, version, content == null ? "is missing" : "differs");
      }
      problems.check(Files.isExecutable(dir.resolve(ReleaseBuilder.LAUNCHER)),
          "%s of the current release must be executable", ReleaseBuilder.LAUNCHER);
    }
  }
}
