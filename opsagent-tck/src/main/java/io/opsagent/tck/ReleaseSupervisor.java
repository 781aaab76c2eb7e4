package io.opsagent.tck;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What keeps the agent running on a host, for one install directory (see {@link
 * ReleaseInstaller#supervisor()}): through it the kit verifies R5.4's rollback when a new release
 * does not come up. The kit packs the files of {@link #workingRelease()} into releases of its
 * own, signs them and installs them with the {@link ReleaseInstaller}; then it starts the
 * supervisor, which runs whichever release the agent has made current, and watches what the
 * agent's own mechanism (its supervisor, its probation of a new release) does.
 *
 * <p>The kit calls every method from its test thread, and {@link #stop()} after every test that
 * obtained a supervisor.
 */
public interface ReleaseSupervisor {

  /**
   * A directory holding the files of a release of this agent that comes up: {@code bin/opsagent},
   * {@code lib/opsagent.jar} and whatever else the agent needs, as regular files and
   * directories. The kit reads it and never changes it; it packs it, as it is, under versions of
   * its own, and for a release that cannot start it replaces {@code bin/opsagent} by a script
   * that exits with 1. An agent run from a release the kit installed as version {@code V} must
   * report {@code V} as {@code agent_version} in its Handshake.
   */
  Path workingRelease() throws Exception;

  /**
   * Starts keeping the agent running, as its supervisor does on a host: it starts the current
   * release of the install directory against {@code settings}, starts it again when it exits,
   * and leaves a release that does not come up to the agent's own mechanism. Returns at once.
   *
   * @param settings where the agent connects and its timings, as for {@link AgentUnderTest#start}
   * @param comeUpDeadline how long a release the installer just switched to has, from its first
   *     start, to send its first Handshake before it counts as not come up; the adapter
   *     configures the agent's deadline, and its supervisor's pace, from it
   */
  void start(AgentSettings settings, Duration comeUpDeadline) throws Exception;

  /**
   * Stops the supervisor and every agent process it started, and returns once they have ended.
   * The next {@link #start} begins again from the install directory as it then is. Must not throw
   * when {@link #start} was never called.
   */
  void stop() throws Exception;

  /**
   * The release the agent would run now, from its own mark of the current release; {@link
   * CurrentRelease#none()} when there is none.
   */
  CurrentRelease current() throws Exception;
}
