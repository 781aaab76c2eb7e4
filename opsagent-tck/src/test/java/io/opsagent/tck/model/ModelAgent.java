package io.opsagent.tck.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.opsagent.tck.AgentProbe;
import io.opsagent.tck.AgentSettings;
import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.ReleaseInstaller;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Optional;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small, independent agent that follows SPEC.md: the kit's proof that its tests can pass.
 *
 * <p>One single-threaded loop owns all state; WebSocket callbacks, process exits and timers only
 * post work to it. {@link Rounds} runs the round lifecycle, {@link Link} the connection and the
 * StateLog outbox, {@link ShellRunner} the commands.
 *
 * <p>The protected methods are the decisions that deliberately broken agents override; each
 * returns the correct behaviour here.
 */
public class ModelAgent implements AgentUnderTest {

  private static final System.Logger LOG = System.getLogger(ModelAgent.class.getName());
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Breakage breakage;
  private String agentVersion = "model-1.0";
  private Runnable onHandshakeSent = () -> { };
  private ScheduledExecutorService loop;
  private AgentSettings settings;
  private AgentProbe probe;
  private Rounds rounds;
  private Link link;

  /** An agent that follows every rule. */
  public ModelAgent() {
    this.breakage = null;
  }

  /** An agent that breaks one rule, as {@code breakage} says. */
  public ModelAgent(Breakage breakage) {
    this.breakage = breakage;
  }

  /**
   * This agent as run from a release installed as {@code version}: its Handshakes report that
   * version, and {@code onHandshakeSent} runs on the agent's loop after each Handshake is sent.
   * Call before {@link #start}.
   */
  void runAsRelease(String version, Runnable onHandshakeSent) {
    this.agentVersion = version;
    this.onHandshakeSent = onHandshakeSent;
  }

  String agentVersion() {
    return agentVersion;
  }

  void handshakeSent() {
    onHandshakeSent.run();
  }

  /** True when this agent was told to break a rule this way. */
  final boolean breaks(Breakage way) {
    return breakage == way;
  }

  @Override
  public String toString() {
    return breakage == null ? "ModelAgent" : "ModelAgent breaking " + breakage;
  }

  @Override
  public void start(AgentSettings settings, AgentProbe probe) {
    this.settings = settings;
    this.probe = probe;
    int number = INSTANCES.incrementAndGet();
    loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "model-agent-" + number);
      thread.setDaemon(true);
      return thread;
    });
    rounds = new Rounds(this, new ShellRunner(settings.workDir()));
    link = new Link(this);
    post(link::connect);
  }

  @Override
  public void stop() throws Exception {
    if (loop == null) {
      return;
    }
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        rounds.shutdown();
        link.close();
      } finally {
        stopped.complete(null);
      }
    });
    stopped.get(5, TimeUnit.SECONDS);
    link.awaitClosed(Duration.ofSeconds(2));
    loop.shutdownNow();
    link.release();
    loop = null;
  }

  @Override
  public boolean reportsUpgrades() {
    return true;
  }

  @Override
  public Optional<ReleaseInstaller> releaseInstaller(Path installDir, PublicKey trustKey) {
    return Optional.of(new ModelReleaseInstaller(installDir, trustKey, this));
  }

  // ------------------------------------------------------------------ decisions (override to break)

  /** R2.2: a failure in the first attempt restarts the round at once. */
  protected boolean retriesRoundAtOnceAfterFirstFailure() {
    return true;
  }

  /**
   * R2.3: the pause after the {@code ceasedRounds}-th consecutive ceased round: the nominal
   * delay doubles from the initial backoff up to the cap, then ±20 % jitter.
   */
  protected Duration backoffDelay(int ceasedRounds) {
    long initial = settings.backoffInitial().toNanos();
    long cap = settings.backoffMax().toNanos();
    double nominal = Math.min(cap, initial * Math.pow(2, Math.min(ceasedRounds - 1, 40)));
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    return Duration.ofNanos(Math.round(nominal * jitter));
  }

  /** R2.6: a new recipe kills the running state at once (instead of letting it finish). */
  protected boolean killsRunningStateOnNewRecipe() {
    return true;
  }

  /** R2.7: an upgrade ordered during a round waits until the round finishes. */
  protected boolean defersUpgradeUntilRoundEnds() {
    return true;
  }

  /** R2.9: a state that runs past the state timeout is killed. */
  protected boolean enforcesStateTimeout() {
    return true;
  }

  /** R4.4: StateLogs queued while offline survive until the next connection. */
  protected boolean keepsQueuedLogsAcrossReconnect() {
    return true;
  }

  /** R3.2: hands a finished state's log to the outbox, in execution order. */
  protected void report(StateLogEntry entry) {
    link.enqueue(entry);
  }

  // ------------------------------------------------------------------ plumbing for the parts

  /** The settings the agent was started with; null before {@link #start}. */
  protected final AgentSettings settings() {
    return settings;
  }

  Link link() {
    return link;
  }

  Rounds rounds() {
    return rounds;
  }

  void post(Runnable task) {
    ScheduledExecutorService executor = loop;
    if (executor == null || executor.isShutdown()) {
      return;
    }
    try {
      executor.execute(() -> runGuarded(task));
    } catch (RejectedExecutionException stopped) {
      // the agent is stopping
    }
  }

  /** Runs {@code task} on the agent's loop after {@code delay}. */
  protected final ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return loop.schedule(() -> runGuarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private static void runGuarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "model agent task failed", e);
    }
  }

  void upgradeStarted(String version, String url) {
    LOG.log(System.Logger.Level.DEBUG, "upgrading to {0}", version);
    probe.upgradeStarted(version, breaks(Breakage.DROPS_UPGRADE_URL) ? "" : url);
  }

  /** Handles one text frame from the backend; on the loop thread. */
  void onMessage(String text) {
    JsonObject message = Wire.parseObject(text);
    String code = message == null ? null : Wire.string(message, "code");
    if (code == null) {
      drop(text, "not a JSON object with a string code");
      if (breaks(Breakage.CLOSES_ON_MALFORMED_FRAME)) {
        link.hangUp();
      }
      return;
    }
    switch (code) {
      case "RecipeMetadata":
        onRecipe(message, text);
        break;
      case "State":
        onRelease(message, text);
        break;
      case "WaitList":
        onWaitList(message, text);
        break;
      case "AgentUpdate":
        onAgentUpdate(message, text);
        break;
      case "AppNotReady":
        link.onAppNotReady();
        break;
      case "Test":
        link.sendIdentity("Test");
        break;
      case "TestAns":
        LOG.log(System.Logger.Level.DEBUG, "test answer: {0}", text);
        break;
      case "StateLogAck":
        Long seq = Wire.positiveInteger(message, "seq");
        if (seq == null) {
          drop(text, "StateLogAck without a positive integer seq");
        } else {
          link.onAck(seq);
        }
        break;
      default:
        drop(text, "unknown code");
        break;
    }
  }

  private void onRecipe(JsonObject message, String text) {
    if (breaks(Breakage.REJECTS_UNKNOWN_FIELDS)
        && !List.of("code", "recipe_version", "state", "module").containsAll(message.keySet())) {
      drop(text, "a field this agent does not know");
      return;
    }
    Long version = Wire.positiveInteger(message, "recipe_version");
    if (version == null) {
      drop(text, "recipe_version is not a positive integer");
      return;
    }
    if (!message.has("state")) {
      rounds.onRecipe(version, null);
      return;
    }
    if (!message.get("state").isJsonArray()) {
      drop(text, "state is not an array");
      return;
    }
    List<Rounds.StateSpec> states = new ArrayList<>();
    for (JsonElement element : message.getAsJsonArray("state")) {
      boolean skipsInvalid = breaks(Breakage.RUNS_VALID_PART_OF_INVALID_RECIPE);
      if (!element.isJsonObject()) {
        if (skipsInvalid) {
          continue;
        }
        drop(text, "a state is not an object");
        return;
      }
      JsonObject state = element.getAsJsonObject();
      String id = Wire.string(state, "id");
      String module = Wire.string(state, "module");
      if (id == null || id.isEmpty() || module == null || module.isEmpty()
          || !state.has("parameter")) {
        if (skipsInvalid) {
          continue;
        }
        drop(text, "a state lacks a string id, a string module or a parameter");
        return;
      }
      states.add(new Rounds.StateSpec(id, module, state.get("parameter")));
    }
    if (breaks(Breakage.RUNS_STATES_IN_REVERSE)) {
      java.util.Collections.reverse(states);
    }
    rounds.onRecipe(version, states);
  }

  private void onRelease(JsonObject message, String text) {
    Long version = Wire.positiveInteger(message, "recipe_version");
    String id = message.has("id") ? Wire.string(message, "id") : Wire.string(message, "stateid");
    if (version == null || id == null || id.isEmpty()) {
      drop(text, "State needs a positive integer recipe_version and a string id");
      return;
    }
    rounds.onRelease(version, List.of(id));
  }

  private void onWaitList(JsonObject message, String text) {
    if (breaks(Breakage.IGNORES_WAIT_LIST)) {
      drop(text, "WaitList is not read by this agent");
      return;
    }
    Long version = Wire.positiveInteger(message, "recipe_version");
    JsonElement waited = message.get("waited");
    if (version == null || waited == null || !waited.isJsonArray()) {
      drop(text, "WaitList needs a positive integer recipe_version and an array waited");
      return;
    }
    List<String> ids = new ArrayList<>();
    for (JsonElement element : (JsonArray) waited) {
      if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isString()) {
        drop(text, "waited holds something other than strings");
        return;
      }
      ids.add(element.getAsString());
    }
    rounds.onRelease(version, ids);
  }

  private void onAgentUpdate(JsonObject message, String text) {
    String version = Wire.string(message, "version");
    if (breaks(Breakage.UPGRADES_WITHOUT_VERSION) && (version == null || version.isEmpty())) {
      version = String.valueOf(message.get("version"));
    }
    if (version == null || version.isEmpty()) {
      drop(text, "AgentUpdate without a non-empty string version");
      return;
    }
    String url = Wire.string(message, "url");
    rounds.onUpgradeOrder(version, url == null ? "" : url);
  }

  private static void drop(String text, String reason) {
    LOG.log(System.Logger.Level.DEBUG, "dropped frame ({0}): {1}", reason, text);
  }

  /** One finished state, as it goes into a StateLog. */
  public static final class StateLogEntry {
    final long recipeVersion;
    final String id;
    final boolean result;
    final String comment;
    final String stdout;

    StateLogEntry(long recipeVersion, String id, boolean result, String comment, String stdout) {
      this.recipeVersion = recipeVersion;
      this.id = id;
      this.result = result;
      this.comment = comment;
      this.stdout = stdout;
    }
  }
}
