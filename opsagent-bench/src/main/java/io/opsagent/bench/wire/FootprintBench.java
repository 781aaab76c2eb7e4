package io.opsagent.bench.wire;

import io.opsagent.tck.AgentSettings;
import io.opsagent.backend.ReferenceBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Start-up and idle memory of an agent process: for each run, a fresh root and configuration,
 * the agent started from its command, the time until its first Handshake reaches the backend,
 * then {@code idle} connected with no recipe, then the resident set size ({@code VmRSS} of
 * {@code /proc/<pid>/status}, summed over the process and its descendants, so a wrapper that
 * does not {@code exec} is counted too), then the agent is stopped. Over the idle period it also
 * counts the CPU time the agent's threads used (its pings and timers included) and how often
 * they were put on a CPU ({@link ProcSchedStat}): the cost of an agent that has nothing to do.
 *
 * <p>Before the runs, {@code warmupRuns} starts are made and not counted, each until its first
 * Handshake: the backend in this JVM answers its first WebSocket upgrade with cold code (its
 * handshake digest, its frame parser, the JIT compiling them while the agent starts on the same
 * CPUs), which added 0.1–0.3 s to a first run's start on a 2-CPU machine; and an agent that keeps
 * a class archive (bin/opsagent run) makes it at its first start. A host's backend is warm.
 */
public final class FootprintBench {

  /** How many runs and how long each stays idle. */
  public record Options(int warmupRuns, int runs, Duration idle, Duration startTimeout) {
    public Options {
      if (warmupRuns < 0) {
        throw new IllegalArgumentException("warmupRuns must be >= 0, was " + warmupRuns);
      }
      if (runs < 1) {
        throw new IllegalArgumentException("runs must be >= 1, was " + runs);
      }
      if (idle.isNegative()) {
        throw new IllegalArgumentException("idle must not be negative, was " + idle);
      }
      Objects.requireNonNull(startTimeout, "startTimeout");
    }
  }

  /**
   * One run.
   *
   * @param startToHandshakeMillis process start to the first Handshake received
   * @param startCpuMillis CPU time the agent's threads had used when that Handshake was received
   *     (threads that had already ended not counted): what a start costs, which the machine's
   *     load hardly changes, unlike the time it takes
   * @param rssKib VmRSS after the idle period, KiB
   * @param hwmKib VmHWM (peak RSS) at that time, KiB
   * @param threads the agent's thread count at that time
   * @param reconnects connections after the first one during the idle period (0 expected)
   * @param idleCpuMillisPerMinute CPU time of the agent's threads per minute of the idle period
   * @param idleWakeupsPerSecond time slices the agent's threads started per second of it
   */
  public record Run(
      double startToHandshakeMillis, double startCpuMillis, long rssKib, long hwmKib, long threads, int reconnects,
      double idleCpuMillisPerMinute, double idleWakeupsPerSecond) {}

  /** Every run and their summaries. */
  public record Result(List<Run> runs) {
    public Result {
      runs = List.copyOf(runs);
    }

    /** Start to Handshake over the runs, ms. */
    public Stats startToHandshake() {
      return Stats.of(runs.stream().mapToDouble(Run::startToHandshakeMillis).toArray());
    }

    /** CPU time to the first Handshake over the runs, ms. */
    public Stats startCpuMillis() {
      return Stats.of(runs.stream().mapToDouble(Run::startCpuMillis).toArray());
    }

    /** Idle RSS over the runs, MiB. */
    public Stats idleRssMib() {
      return Stats.of(runs.stream().mapToDouble(r -> r.rssKib() / 1024.0).toArray());
    }

    /** Idle CPU time over the runs, ms per minute. */
    public Stats idleCpuMillisPerMinute() {
      return Stats.of(runs.stream().mapToDouble(Run::idleCpuMillisPerMinute).toArray());
    }

    /** Idle wake-ups over the runs, per second. */
    public Stats idleWakeupsPerSecond() {
      return Stats.of(runs.stream().mapToDouble(Run::idleWakeupsPerSecond).toArray());
    }
  }

  private final Options options;
  private final PrintStream progress;

  public FootprintBench(Options options, PrintStream progress) {
    this.options = Objects.requireNonNull(options, "options");
    this.progress = progress;
  }

  public Result run(AgentCommand command) throws BenchException, IOException, InterruptedException {
    if (!ProcStatus.available()) {
      throw new BenchException("the footprint needs Linux's /proc/<pid>/status");
    }
    List<Run> runs = new ArrayList<>();
    CommandAgent[] current = new CommandAgent[1];
    FrameWaiter waiter = new FrameWaiter(
        () -> current[0] == null ? "no agent" : current[0].describe());
    try (ReferenceBackend backend = ReferenceBackend.builder().listener(waiter).build().start()) {
      int connection = 0;
      int starts = options.warmupRuns() + options.runs();
      for (int start = 1; start <= starts; start++) {
        boolean warmUp = start <= options.warmupRuns();
        Path workDir = Files.createTempDirectory("opsagent-bench-footprint-");
        CommandAgent agent = new CommandAgent(command);
        current[0] = agent;
        try {
          note((warmUp ? "warm-up " + start + " of " + options.warmupRuns()
              : "run " + (start - options.warmupRuns()) + " of " + options.runs())
              + ": starting the agent");
          FrameWaiter.Received handshake =
              untilHandshake(agent, backend, waiter, workDir, connection);
          if (!warmUp) {
            runs.add(measure(start - options.warmupRuns(), agent, handshake, backend));
          }
          connection = handshake.frame().connection();
        } finally {
          agent.stop();
          current[0] = null;
          WorkDirs.delete(workDir);
        }
      }
    }
    return new Result(runs);
  }

  /**
   * Run {@code i}'s figures: the CPU time used up to {@code handshake} (read first), the time to
   * it, then those of the idle period.
   */
  private Run measure(int i, CommandAgent agent, FrameWaiter.Received handshake,
      ReferenceBackend backend) throws BenchException, InterruptedException {
    ProcessHandle process = agent.handle();
    double startCpu = ProcSchedStat.sumOverTree(process).cpuNanos() / 1e6;
    double startup = (handshake.atNanos() - agent.startedAtNanos()) / 1e6;
    note(String.format(Locale.ROOT,
        "run %d: Handshake after %.0f ms (%.0f ms of CPU); idle for %d s", i, startup,
        startCpu, options.idle().toSeconds()));
    ProcSchedStat.Sample before = ProcSchedStat.sumOverTree(process);
    long idleStart = System.nanoTime();
    EndToEndBench.pause(options.idle());
    ProcSchedStat.Sample idle = ProcSchedStat.sumOverTree(process).since(before);
    double idleSeconds = Math.max(1e-9, (System.nanoTime() - idleStart) / 1e9);
    if (!process.isAlive()) {
      throw new BenchException("the agent exited while idle; " + agent.describe());
    }
    long rss = ProcStatus.sumOverTree(process, "VmRSS");
    long hwm = ProcStatus.sumOverTree(process, "VmHWM");
    long threads = ProcStatus.sumOverTree(process, "Threads");
    int connection = handshake.frame().connection();
    int reconnects = (int) backend.connections().stream()
        .filter(c -> c.id() > connection).count();
    return new Run(startup, startCpu, rss, hwm, threads, reconnects,
        idle.cpuNanos() / 1e6 / idleSeconds * 60, idle.slices() / idleSeconds);
  }

  /** Starts {@code agent} and waits for its first Handshake on a connection after {@code after}. */
  private FrameWaiter.Received untilHandshake(CommandAgent agent, ReferenceBackend backend,
      FrameWaiter waiter, Path workDir, int after)
      throws BenchException, IOException, InterruptedException {
    agent.start(settings(backend, workDir), (version, url) -> { });
    return waiter.await("the agent's first Handshake",
        r -> r.isHandshakeOnConnectionAfter(after), options.startTimeout());
  }

  private static AgentSettings settings(ReferenceBackend backend, Path workDir) {
    byte[] token = new byte[16];
    new SecureRandom().nextBytes(token);
    return AgentSettings.builder()
        .backendUrl(backend.url())
        .appId("app-bench")
        .instanceId("i-bench")
        .instanceToken(HexFormat.of().formatHex(token))
        .roundInterval(Duration.ofMinutes(10))
        .backoff(Duration.ofSeconds(5), Duration.ofMinutes(5))
        .stateTimeout(Duration.ofHours(1))
        .reconnect(EndToEndBench.RECONNECT_INITIAL, EndToEndBench.RECONNECT_MAX)
        .notReadyRetryPause(Duration.ofSeconds(30))
        .workDir(workDir)
        .build();
  }

  private void note(String text) {
    if (progress != null) {
      progress.println("bench footprint: " + text);
    }
  }
}
