package io.opsagent.tck;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Optional;

/**
 * The agent implementation the conformance tests exercise: an adapter that starts it against
 * the kit's reference backend and stops it again. The kit creates one per test through {@link
 * ConformanceTestBase#createAgent()} and calls {@link #start} at most once and {@link #stop}
 * exactly once.
 *
 * <p>The agent must run on this host: the conformance recipes use {@code linux.cmd} states that
 * write marker files and pid files the kit inspects.
 */
public interface AgentUnderTest {

  /**
   * Starts the agent so that it connects to {@link AgentSettings#backendUrl()} and uses every
   * timing in {@code settings}. Returns once the agent is started; it need not be connected yet.
   *
   * @param probe where the agent reports upgrades (see {@link #reportsUpgrades()})
   */
  void start(AgentSettings settings, AgentProbe probe) throws Exception;

  /**
   * Stops the agent and kills the process tree of any state it is running. Called after every
   * test, also when {@link #start} failed or was never called; must not throw for those cases.
   */
  void stop() throws Exception;

  /**
   * Whether the agent calls {@link AgentProbe#upgradeStarted}. The upgrade rules (R2.7, R5) are
   * skipped with a reason when this returns false.
   */
  default boolean reportsUpgrades() {
    return false;
  }

  /**
   * The agent's way to verify and install a release (R5.4), for an agent installed in {@code
   * installDir} that trusts releases signed with {@code trustKey}, or empty when the adapter
   * offers none; the R5.4 tests are then skipped with a reason. Called at most once per test,
   * without {@link #start}: installing does not need a backend. The directory exists and is
   * empty; the installer keeps everything it installs under it.
   *
   * @param installDir where the agent keeps its releases and the mark of the current one
   * @param trustKey the Ed25519 public key the kit signs releases with (its {@code
   *     getEncoded()} is the X.509 SubjectPublicKeyInfo DER, what a configuration file holds)
   */
  default Optional<ReleaseInstaller> releaseInstaller(Path installDir, PublicKey trustKey)
      throws Exception {
    return Optional.empty();
  }
}
