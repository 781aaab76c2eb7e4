package io.opsagent.tck.model;

import io.opsagent.tck.AgentSettings;
import io.opsagent.tck.CurrentRelease;
import io.opsagent.tck.ReleaseSupervisor;
import io.opsagent.tck.internal.ReleaseBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The model agent's supervisor and probation (R5.4): it keeps the current release of an install
 * directory running, and goes back to the previous release when the one on probation cannot
 * start.
 *
 * <p>A model release's {@code bin/opsagent} is its start check: the supervisor runs it, and when
 * it exits with 0 the release has started, and the supervisor runs a {@link ModelAgent} in this
 * JVM as that release (its Handshakes report the release's version). A switch away from an
 * earlier release is on probation ({@code installDir/probation}: the new and the previous
 * version) until the new release's first Handshake. While it is, a release that failed to start
 * {@value #MAX_FAILED_STARTS} times, or started but sent no Handshake within the come-up
 * deadline, is rolled back: {@code current} points at the previous release again, the probation
 * ends, and the previous release is started.
 */
final class ModelSupervisor implements ReleaseSupervisor {

  private static final System.Logger LOG = System.getLogger(ModelSupervisor.class.getName());
  static final int MAX_FAILED_STARTS = 3;
  private static final String PROBATION = "probation";
  private static final Duration PACE = Duration.ofMillis(20);

  private final Path installDir;
  private final ModelAgent owner;
  private Path workingRelease;
  private ScheduledExecutorService keeper;
  private AgentSettings settings;
  private Duration comeUpDeadline;
  private ModelAgent running;
  private String runningRelease;
  private long startedAtNanos;
  private boolean confirmed;
  private int failedStarts;

  ModelSupervisor(Path installDir, ModelAgent owner) {
    this.installDir = installDir;
    this.owner = owner;
  }

  /** Records that the switch from {@code previous} to {@code version} is on probation. */
  static void putOnProbation(Path installDir, String version, String previous)
      throws IOException {
    Path temporary = installDir.resolve(".probation.tmp");
    Files.writeString(temporary, version + " " + previous + "\n", StandardCharsets.UTF_8);
    Files.move(temporary, installDir.resolve(PROBATION), StandardCopyOption.ATOMIC_MOVE);
  }

  /** {version on probation, previous version}, or null when no switch is on probation. */
  private String[] probation() throws IOException {
    Path file = installDir.resolve(PROBATION);
    if (!Files.exists(file)) {
      return null;
    }
    String[] parts = Files.readString(file, StandardCharsets.UTF_8).trim().split(" ");
    return parts.length == 2 ? parts : null;
  }

  @Override
  public synchronized Path workingRelease() throws IOException {
    if (workingRelease == null) {
      Path dir = Files.createTempDirectory("model-agent-release-");
      Path launcher = Files.createDirectories(dir.resolve("bin")).resolve("opsagent");
      Files.writeString(launcher, "#!/bin/sh\n# the model agent's launcher: its start check,"
          + " which passes; the supervisor then runs the agent as this release\nexit 0\n",
          StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.write(Files.createDirectories(dir.resolve("lib")).resolve("opsagent.jar"),
          ReleaseBuilder.manifestOnlyJar("model"));
      workingRelease = dir;
    }
    return workingRelease;
  }

  @Override
  public synchronized void start(AgentSettings settings, Duration comeUpDeadline) {
    this.settings = settings;
    this.comeUpDeadline = comeUpDeadline;
    this.failedStarts = 0;
    keeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "model-supervisor");
      thread.setDaemon(true);
      return thread;
    });
    keeper.scheduleWithFixedDelay(this::keepRunning, 0, PACE.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() throws Exception {
    ScheduledExecutorService stopping;
    synchronized (this) {
      stopping = keeper;
      keeper = null;
    }
    if (stopping != null) {
      stopping.shutdownNow();
      stopping.awaitTermination(10, TimeUnit.SECONDS);
    }
    ModelAgent agent;
    synchronized (this) {
      agent = running;
      running = null;
      runningRelease = null;
    }
    if (agent != null) {
      agent.stop();
    }
    deleteWorkingRelease();
  }

  /** The kit has read the working release by now; another call of workingRelease() writes it again. */
  private synchronized void deleteWorkingRelease() throws IOException {
    if (workingRelease == null) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(workingRelease)) {
      paths = walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList());
    }
    for (Path path : paths) {
      Files.deleteIfExists(path);
    }
    workingRelease = null;
  }

  @Override
  public synchronized CurrentRelease current() throws IOException {
    String version = ModelReleaseInstaller.currentVersion(installDir);
    return version == null ? CurrentRelease.none()
        : new CurrentRelease(version, installDir.resolve("current"));
  }

  /** One look at the host, on the keeper's thread; a release that came up late is stopped outside the lock. */
  private void keepRunning() {
    ModelAgent late = look();
    if (late != null) {
      try {
        late.stop();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.ERROR, "stopping the model agent failed", e);
      }
    }
  }

  /** Starts the current release if none runs, after a rollback if it is due; returns an agent to stop. */
  private synchronized ModelAgent look() {
    if (keeper == null) {
      return null;
    }
    try {
      String[] probation = probation();
      if (running != null) {
        boolean late = System.nanoTime() - startedAtNanos > comeUpDeadline.toNanos();
        if (confirmed || !late || probation == null || !probation[0].equals(runningRelease)) {
          return null;
        }
        LOG.log(System.Logger.Level.WARNING, "release {0} sent no Handshake within {1} ms",
            runningRelease, comeUpDeadline.toMillis());
        ModelAgent stopping = running;
        running = null;
        runningRelease = null;
        failedStarts = MAX_FAILED_STARTS;
        return stopping;
      }
      String release = ModelReleaseInstaller.currentVersion(installDir);
      if (release == null) {
        return null;
      }
      if (probation != null && probation[0].equals(release)
          && failedStarts >= MAX_FAILED_STARTS && !owner.breaks(Breakage.NEVER_ROLLS_BACK)) {
        String previous = probation[1];
        LOG.log(System.Logger.Level.WARNING, "release {0} did not come up ({1} starts); going"
            + " back to release {2}", release, failedStarts, previous);
        if (!owner.breaks(Breakage.FALLS_BACK_WITHOUT_SWITCHING_CURRENT)) {
          ModelReleaseInstaller.pointCurrentAt(installDir, previous);
          Files.deleteIfExists(installDir.resolve(PROBATION));
        }
        failedStarts = 0;
        release = previous;
      }
      startRelease(release);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.ERROR, "the model supervisor failed", e);
    }
    return null;
  }

  /** Runs the release's start check and, when it passes, the agent as that release. */
  private void startRelease(String version) throws Exception {
    Path launcher = installDir.resolve("releases").resolve(version).resolve("bin/opsagent");
    Process check = new ProcessBuilder(launcher.toString(), "run")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!check.waitFor(10, TimeUnit.SECONDS)) {
      check.destroyForcibly();
    }
    int status = check.isAlive() ? -1 : check.exitValue();
    if (status != 0) {
      failedStarts++;
      LOG.log(System.Logger.Level.DEBUG, "release {0} did not start: {1} exited with {2}",
          version, launcher, status);
      return;
    }
    ModelAgent agent = new ModelAgent();
    agent.runAsRelease(version, () -> confirm(version));
    running = agent;
    runningRelease = version;
    startedAtNanos = System.nanoTime();
    confirmed = false;
    agent.start(settings, (upgradeVersion, url) -> { });
  }

  /** The first Handshake of {@code version}: a switch to it on probation is over. */
  private synchronized void confirm(String version) {
    confirmed = true;
    try {
      String[] probation = probation();
      if (probation != null && probation[0].equals(version)) {
        Files.deleteIfExists(installDir.resolve(PROBATION));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
