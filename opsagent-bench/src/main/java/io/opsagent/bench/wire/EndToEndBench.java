package io.opsagent.bench.wire;

import io.opsagent.tck.AgentSettings;
import io.opsagent.tck.AgentUnderTest;
import io.opsagent.backend.BackendListener;
import io.opsagent.backend.Frame;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.tck.internal.Poll;
import io.opsagent.tck.internal.Scratch;
import io.opsagent.backend.internal.WsClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The end-to-end latency benchmark: one agent against the reference backend on loopback, black
 * box, measured at the backend. Each metric is sampled {@code warmup + iterations} times; the
 * warm-up samples are dropped.
 *
 * <ol>
 *   <li>{@value #ECHO_RTT}: a blocking WebSocket client sends a frame as long as the push's
 *       recipe and reads it back from the same backend (which echoes it on its reader thread);
 *       measured by the client, before the agent starts. The floor of the others.
 *   <li>{@value #PUSH_LATENCY}: {@code RecipeMetadata} sent (new version; first state a {@code
 *       meta.comment}, then a {@code meta.wait}, then a comment) until that comment's {@code
 *       StateLog} arrives, with the agent idle before.
 *   <li>{@value #RELEASE}: with the round held at that wait, {@code State} (its DONE) sent until
 *       the {@code StateLog} of the comment after it arrives.
 *   <li>{@value #PREEMPTION}: while a {@code linux.cmd} state runs a shell whose child is {@code
 *       sleep 600}, a new recipe (first state a comment) sent until that comment's StateLog
 *       arrives; then both processes must be gone within {@link #LEFTOVER_GRACE}, else they
 *       count as leftover processes (and are killed).
 *   <li>{@value #RECONNECT}: the backend stopped (every connection reset) and started again on
 *       the same port (well below 1 ms), until the Handshake on the new connection arrives; the
 *       agent's reconnect backoff is 50 ms, so with full jitter about 25 ms of the median is
 *       its designed pause.
 * </ol>
 *
 * Send times are taken on the bench thread just before the send; receive times are the
 * backend's, taken on its reader thread as the frame arrives.
 */
public final class EndToEndBench {

  public static final String ECHO_RTT = "echo_rtt";
  public static final String PUSH_LATENCY = "push_latency";
  public static final String PREEMPTION = "preemption";
  public static final String RELEASE = "release";
  public static final String RECONNECT = "reconnect";

  /** How long the processes of a preempted state may take to disappear. */
  static final Duration LEFTOVER_GRACE = Duration.ofSeconds(1);
  /** The agent's round interval: short next to the production 10 min, long next to a step. */
  static final Duration ROUND_INTERVAL = Duration.ofSeconds(5);
  /**
   * Reconnect backoff, initial and cap alike: the restarts follow each other faster than an
   * agent counts a connection as stable, so with a higher cap the backoff would grow to it and
   * the metric would show the cap. With full jitter the pause before the attempt is uniform in
   * [0, 50 ms].
   */
  static final Duration RECONNECT_INITIAL = Duration.ofMillis(50);
  static final Duration RECONNECT_MAX = RECONNECT_INITIAL;
  /**
   * The default pause before each step, so that it starts from an agent at rest, as a push to
   * a real agent does (recipes come minutes or hours apart); 0 measures back-to-back steps.
   */
  public static final Duration DEFAULT_PAUSE = Duration.ofMillis(20);

  private static final String ECHO_CODE = "BenchEcho";

  /**
   * How many samples, how long to pause before each step, and how long to wait.
   *
   * @param pause before each step; also between the push and the release, so that the round
   *     holds at the wait state (with 0 the release may come first, which the agent remembers)
   */
  public record Options(
      int iterations, int warmup, Duration pause, Duration startTimeout, Duration stepTimeout) {
    public Options {
      if (iterations < 1) {
        throw new IllegalArgumentException("iterations must be >= 1, was " + iterations);
      }
      if (warmup < 0) {
        throw new IllegalArgumentException("warmup must be >= 0, was " + warmup);
      }
      if (pause.isNegative()) {
        throw new IllegalArgumentException("pause must not be negative, was " + pause);
      }
      Objects.requireNonNull(startTimeout, "startTimeout");
      Objects.requireNonNull(stepTimeout, "stepTimeout");
    }

    public static Options of(int iterations, int warmup, Duration pause) {
      return new Options(iterations, warmup, pause, Duration.ofSeconds(60), Duration.ofSeconds(10));
    }
  }

  /**
   * What one run measured.
   *
   * @param metrics metric name to its summary, in the order measured
   * @param leftoverProcesses processes of preempted states still alive after the grace period
   * @param startToHandshakeMillis from starting the agent to its first Handshake (one sample)
   * @param options what the run was asked to do
   */
  public record Result(
      Map<String, Stats> metrics, int leftoverProcesses, double startToHandshakeMillis,
      Options options) {
    public Result {
      metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }
  }

  private final Options options;
  private final PrintStream progress;

  /**
   * @param progress where to report the phases (stderr in the command line); null for silence
   */
  public EndToEndBench(Options options, PrintStream progress) {
    this.options = Objects.requireNonNull(options, "options");
    this.progress = progress;
  }

  /**
   * Runs every phase against {@code agent}, which the bench starts and stops.
   *
   * @param workDir an empty folder for the agent's files
   * @param diagnostics describes the agent's state for error messages (for example its exit code
   *     and last output lines)
   */
  public Result run(AgentUnderTest agent, Path workDir, Supplier<String> diagnostics)
      throws BenchException, IOException, InterruptedException {
    Map<String, Stats> metrics = new LinkedHashMap<>();
    FrameWaiter waiter = new FrameWaiter(diagnostics);
    Echo echo = new Echo();
    try (ReferenceBackend backend = ReferenceBackend.builder().listener(waiter).listener(echo)
            .build().start();
        Scratch scratch = Scratch.create()) {
      echo.backend = backend;
      metrics.put(ECHO_RTT, echo(backend.url()));
      echo.backend = null;

      AgentSettings settings = settings(backend, workDir);
      note("starting the agent");
      long started = System.nanoTime();
      BenchException failure = null;
      try {
        startAgent(agent, settings);
        FrameWaiter.Received handshake = waiter.await("the agent's first Handshake",
            r -> r.isHandshakeOnConnectionAfter(0), options.startTimeout());
        double startToHandshake = (handshake.atNanos() - started) / 1e6;
        Session session = new Session(backend, waiter, scratch, handshake.frame().connection());
        long[][] pushAndRelease = session.pushAndRelease();
        metrics.put(PUSH_LATENCY, Stats.ofNanos(pushAndRelease[0]));
        metrics.put(RELEASE, Stats.ofNanos(pushAndRelease[1]));
        metrics.put(PREEMPTION, Stats.ofNanos(session.preemption()));
        metrics.put(RECONNECT, Stats.ofNanos(session.reconnect()));
        return new Result(metrics, session.leftovers, startToHandshake, options);
      } catch (BenchException e) {
        failure = e;
        throw e;
      } finally {
        note("stopping the agent");
        try {
          stopAgent(agent);
        } catch (BenchException e) {
          if (failure == null) {
            throw e;
          }
          failure.addSuppressed(e);
        }
      }
    }
  }

  static void startAgent(AgentUnderTest agent, AgentSettings settings) throws BenchException {
    try {
      agent.start(settings, (version, url) -> { });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted while starting the agent", e);
    } catch (Exception e) {
      throw new BenchException("the agent did not start: " + e, e);
    }
  }

  static void stopAgent(AgentUnderTest agent) throws BenchException {
    try {
      agent.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted while stopping the agent", e);
    } catch (Exception e) {
      throw new BenchException("the agent did not stop cleanly: " + e, e);
    }
  }

  private AgentSettings settings(ReferenceBackend backend, Path workDir) {
    byte[] token = new byte[16];
    new SecureRandom().nextBytes(token);
    return AgentSettings.builder()
        .backendUrl(backend.url())
        .appId("app-bench")
        .instanceId("i-bench")
        .instanceToken(HexFormat.of().formatHex(token))
        .roundInterval(ROUND_INTERVAL)
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(5))
        .stateTimeout(Duration.ofMinutes(5))
        .reconnect(RECONNECT_INITIAL, RECONNECT_MAX)
        .notReadyRetryPause(Duration.ofSeconds(1))
        .workDir(workDir)
        .build();
  }

  // ---------------------------------------------------------------- echo

  /**
   * Echoes {@value #ECHO_CODE} frames back to the newest connection, on the backend's reader
   * thread, while {@link #backend} is set (only the echo client is connected then).
   */
  private static final class Echo implements BackendListener {
    volatile ReferenceBackend backend;

    @Override
    public void onFrame(Frame frame) {
      ReferenceBackend echoing = backend;
      if (echoing != null && frame.kind() == Frame.Kind.RECEIVED
          && frame.text().startsWith("{\"code\":\"" + ECHO_CODE + "\"")) {
        echoing.sendText(frame.text());
      }
    }
  }

  private Stats echo(URI url) throws IOException, BenchException {
    report(ECHO_RTT);
    String recipe = pushRecipe(1).toJson();
    StringBuilder payload = new StringBuilder("{\"code\":\"" + ECHO_CODE + "\",\"pad\":\"");
    while (payload.length() + 2 < recipe.length()) {
      payload.append('x');
    }
    String text = payload.append("\"}").toString();
    long[] samples = new long[options.iterations()];
    try (WsClient client = WsClient.connect(url, options.stepTimeout())) {
      for (int i = -options.warmup(); i < options.iterations(); i++) {
        long t0 = System.nanoTime();
        client.sendText(text);
        String answer = client.readText();
        long t1 = System.nanoTime();
        if (!text.equals(answer)) {
          throw new BenchException("the backend's echo differs from what was sent: " + answer);
        }
        if (i >= 0) {
          samples[i] = t1 - t0;
        }
      }
    }
    return Stats.ofNanos(samples);
  }

  static Recipe pushRecipe(long version) {
    return Recipe.version(version)
        .comment("c0", "first state: measures the push")
        .waitFor("w1")
        .comment("c2", "after the wait: measures the release")
        .build();
  }

  // ---------------------------------------------------------------- with the agent

  /** The phases with a connected agent. */
  private final class Session {
    private final ReferenceBackend backend;
    private final FrameWaiter waiter;
    private final Scratch scratch;
    private int connection;
    private long version;
    int leftovers;

    Session(ReferenceBackend backend, FrameWaiter waiter, Scratch scratch, int connection) {
      this.backend = backend;
      this.waiter = waiter;
      this.scratch = scratch;
      this.connection = connection;
    }

    long[][] pushAndRelease() throws BenchException, InterruptedException {
      report(PUSH_LATENCY + " and " + RELEASE);
      long[] push = new long[options.iterations()];
      long[] release = new long[options.iterations()];
      for (int i = -options.warmup(); i < options.iterations(); i++) {
        long v = ++version;
        pause(options.pause());
        // Encoded first: the clock starts as the frame is handed to the socket, as the echo's does.
        String recipe = pushRecipe(v).toJson();
        long pushed = System.nanoTime();
        backend.sendText(recipe);
        FrameWaiter.Received first = waiter.await("the StateLog of c0 (version " + v + ")",
            r -> r.isStateLog(v, "c0"), options.stepTimeout());
        pause(options.pause()); // the round reaches the wait state w1 and holds
        String releaseFrame = ReferenceBackend.releaseFrame(v, "w1");
        long released = System.nanoTime();
        backend.sendText(releaseFrame);
        FrameWaiter.Received next = waiter.await("the StateLog of c2 after releasing w1 (version "
            + v + ")", r -> r.isStateLog(v, "c2"), options.stepTimeout());
        if (i >= 0) {
          push[i] = first.atNanos() - pushed;
          release[i] = next.atNanos() - released;
        }
      }
      return new long[][] {push, release};
    }

    long[] preemption() throws BenchException, InterruptedException {
      report(PREEMPTION);
      long[] samples = new long[options.iterations()];
      for (int i = -options.warmup(); i < options.iterations(); i++) {
        String name = "pre" + (i + options.warmup());
        long running = ++version;
        pause(options.pause());
        backend.pushRecipe(Recipe.version(running).cmd("long", scratch.longRunning(name)).build());
        awaitPidFiles(name, running);
        long shell = scratch.pid(name + ".sh.pid").orElseThrow();
        long child = scratch.pid(name + ".pid").orElseThrow();
        pause(options.pause()); // the shell reaches its wait
        long next = ++version;
        String preempting = Recipe.version(next).comment("p1", "after the preemption").build().toJson();
        long pushed = System.nanoTime();
        backend.sendText(preempting);
        FrameWaiter.Received first = waiter.await("the StateLog of p1 (version " + next
            + ") while the state of version " + running + " runs sleep 600",
            r -> r.isStateLog(next, "p1"), options.stepTimeout());
        if (i >= 0) {
          samples[i] = first.atNanos() - pushed;
        }
        boolean gone = Poll.becomesTrueWithin(
            () -> !Scratch.isRunning(shell) && !Scratch.isRunning(child),
            LEFTOVER_GRACE, Duration.ofMillis(1));
        if (!gone) {
          for (long pid : new long[] {shell, child}) {
            if (Scratch.isRunning(pid)) {
              leftovers++;
              ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
          }
        }
      }
      return samples;
    }

    private void awaitPidFiles(String name, long running) throws BenchException {
      try {
        Poll.until("the state of version " + running + " to start sleep 600",
            () -> scratch.pid(name + ".pid").isPresent() && scratch.pid(name + ".sh.pid").isPresent(),
            options.stepTimeout(), Duration.ofMillis(1));
      } catch (AssertionError e) {
        throw new BenchException(e.getMessage() + "; " + waiter.diagnostics() + "\n"
            + backend.describeRecent(10));
      }
    }

    long[] reconnect() throws BenchException, InterruptedException, IOException {
      report(RECONNECT);
      long[] samples = new long[options.iterations()];
      for (int i = -options.warmup(); i < options.iterations(); i++) {
        pause(options.pause());
        int previous = connection;
        long dropped = System.nanoTime();
        backend.stop();
        backend.start();
        FrameWaiter.Received handshake = waiter.await("the Handshake after a backend restart",
            r -> r.isHandshakeOnConnectionAfter(previous), options.stepTimeout());
        connection = handshake.frame().connection();
        if (i >= 0) {
          samples[i] = handshake.atNanos() - dropped;
        }
      }
      return samples;
    }
  }

  private void report(String metric) {
    note("measuring " + metric + " (" + options.warmup() + " warm-up + " + options.iterations()
        + " measured)");
  }

  private void note(String text) {
    if (progress != null) {
      progress.println("bench: " + text);
    }
  }

  static void pause(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    long remaining;
    while ((remaining = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(remaining);
    }
  }
}
