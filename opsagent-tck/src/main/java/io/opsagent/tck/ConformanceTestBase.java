package io.opsagent.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.backend.BackendTimeoutException;
import io.opsagent.backend.Frame;
import io.opsagent.backend.MessageCodes;
import io.opsagent.backend.ReceivedMessage;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import io.opsagent.tck.internal.Poll;
import io.opsagent.tck.internal.RecordingProbe;
import io.opsagent.tck.internal.Scratch;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every conformance test class of the kit shares: the fixture (a fresh {@link
 * ReferenceBackend}, scratch directory, probe and agent for every test), the hooks an
 * implementation overrides, and the waits and checks the tests are written with. Only the kit's
 * section classes extend it; an implementation extends each of those (see {@link
 * Rule.Section#conformanceTest()} and SPEC.md, "Running the kit").
 *
 * <p>Naming: {@code required_R2_3_...} tests a MUST rule, {@code optional_...} a SHOULD or MAY
 * rule or the optional acknowledgement extension (skipped with a reason when the agent does not
 * implement it), {@code untested_...} a rule the kit cannot verify (always skipped). Every failure
 * message starts with the rule id, for example {@code [R2.3]}, and ends with the backend's recent
 * transcript. Timeouts come from {@link #environment()}.
 *
 * <p>To leave out a test (a known gap, with a reason), override it in the subclass with
 * {@code @Test @Disabled("reason")}; the summary then lists it as skipped and the verdict cannot
 * be CONFORMANT while a required test is left out.
 */
@ExtendWith(RuleCitation.class)
@TestMethodOrder(RuleOrder.class)
public abstract class ConformanceTestBase {

  TckEnvironment env;
  ReferenceBackend backend;
  Scratch scratch;
  RecordingProbe probe;
  AgentUnderTest agent;
  Rule rule;

  ConformanceTestBase() {}

  /** A new, not yet started adapter for the implementation under test; called once per test. */
  protected abstract AgentUnderTest createAgent();

  /** The timeouts; by default read from system properties and environment variables. */
  protected TckEnvironment environment() {
    return TckEnvironment.fromSystem();
  }

  /**
   * The settings every test starts from, before the test adjusts timings. Override to change the
   * identity (app id, instance id, token); keep the backend URL and work directory.
   */
  protected AgentSettings.Builder baseSettings(AgentSettings.Builder kitDefaults) {
    return kitDefaults;
  }


  @BeforeEach
  final void startKit(TestInfo info) throws IOException {
    rule = info.getTestMethod().map(m -> Rule.ofTestName(m.getName())).orElse(null);
    env = environment();
    probe = new RecordingProbe();
    scratch = Scratch.create();
    backend = ReferenceBackend.builder().build().start();
    agent = createAgent();
  }

  @AfterEach
  final void stopKit() throws Exception {
    try {
      if (agent != null) {
        agent.stop();
      }
    } finally {
      agent = null;
      if (backend != null) {
        backend.stop();
      }
      if (scratch != null) {
        scratch.close();
      }
    }
  }

  /** The backend's recent transcript, appended to failure messages. */
  String diagnostics() {
    if (backend == null) {
      return "";
    }
    StringBuilder text = new StringBuilder("\n").append(backend.describeRecent(40));
    if (probe != null && !probe.upgrades().isEmpty()) {
      text.append("\nupgrades reported: ").append(probe.upgrades());
    }
    text.append("\n").append(env);
    return text.toString();
  }

  // ======================================================================== helpers

  AgentSettings.Builder settings() {
    AgentSettings.Builder defaults = AgentSettings.builder()
        .backendUrl(backend.url())
        .workDir(scratch.path("agent-work"))
        .roundInterval(ms(300))
        .backoff(ms(200), ms(800))
        .stateTimeout(ms(5_000))
        .reconnect(ms(50), ms(300))
        .notReadyRetryPause(ms(200));
    return baseSettings(defaults);
  }

  void startAgent(AgentSettings settings) {
    try {
      Files.createDirectories(settings.workDir());
      agent.start(settings, probe);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("the agent did not start: " + e, e);
    }
  }

  void startAndConnect(AgentSettings settings) {
    startAgent(settings);
    awaitHandshake(1, "the agent to connect and hand-shake");
  }

  Duration ms(long millis) {
    return env.millis(millis);
  }

  /**
   * The most milliseconds a time may take where a rule bounds it by {@code configured} (a value
   * the agent was given, or derived from those values): see {@link TckEnvironment#upperBound}.
   */
  long atMost(Duration configured) {
    return env.upperBound(configured).toMillis();
  }

  /**
   * The fewest milliseconds a time measured between two frames may take where a rule says it
   * lasts at least {@code configured}: see {@link TckEnvironment#lowerBound}.
   */
  long atLeast(Duration configured) {
    return env.lowerBound(configured).toMillis();
  }

  /**
   * "At once" as told from "after a pause the agent was configured with": an event measured from
   * its cause must come before the shortest form of that pause, 80 % of it (the lowest jitter of
   * R2.3), as a lower bound ({@link #atLeast}). Scaled with the pause, so a slow machine does not
   * turn "at once" into a failure the way a fixed tolerance would.
   */
  long beforePause(Duration pause) {
    return atLeast(pause.multipliedBy(8).dividedBy(10));
  }

  /**
   * When the backend sent the first {@code code} frame at or after transcript entry {@code
   * mark}: stamped by the backend as it sends, on the clock it stamps received frames with, so
   * a time measured from it to a received frame leaves out the test thread's own delays.
   */
  long sentAtNanos(int mark, String code) {
    List<Frame> transcript = backend.transcript();
    String field = "\"code\":\"" + code + "\"";
    for (Frame frame : transcript.subList(Math.min(mark, transcript.size()), transcript.size())) {
      if (frame.kind() == Frame.Kind.SENT && frame.text().contains(field)) {
        return frame.atNanos();
      }
    }
    throw new AssertionError("the backend recorded no " + code + " frame it sent");
  }

  static long millisBetween(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  void awaitHandshake(int n, String what) {
    try {
      backend.awaitHandshake(n, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      throw new AssertionError("no Handshake: waited for " + what + "; " + firstLine(e), e);
    }
  }

  List<StateLog> awaitLogs(int count, String what) {
    try {
      return backend.awaitStateLogs(count, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      throw new AssertionError(
          "only " + backend.stateLogs().size() + " of " + count + " StateLogs arrived within "
              + env.signalTimeout().toMillis() + " ms: waited for " + what, e);
    }
  }

  StateLog awaitLog(Predicate<StateLog> matcher, String what) {
    try {
      return backend.awaitStateLog(what, matcher, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      throw new AssertionError(
          "no matching StateLog within " + env.signalTimeout().toMillis() + " ms: waited for "
              + what + "; got " + backend.stateLogs(), e);
    }
  }

  void expectNoNewLogs(int known, String rule) {
    StateLog extra;
    try {
      extra = backend.await("an unexpected StateLog",
          () -> {
            List<StateLog> logs = backend.stateLogs();
            return logs.size() > known ? logs.get(known) : null;
          },
          env.noSignalTimeout());
    } catch (BackendTimeoutException expected) {
      return;
    }
    throw new AssertionError(rule + ", but the agent reported " + extra);
  }

  void awaitFile(String name, String what) {
    Poll.until(what + " (file " + name + ")", () -> scratch.exists(name), env.signalTimeout(),
        env.pollInterval());
  }

  void expectHandshakeOnNewConnection(String cause) {
    ReceivedMessage second;
    try {
      second = backend.awaitHandshake(2, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      throw new AssertionError(cause + ": the agent must reconnect and hand-shake again, but no"
          + " second Handshake came within " + env.signalTimeout().toMillis() + " ms", e);
    }
    int first = backend.handshakes().get(0).connection();
    check(second.connection() != first,
        "after %s the second Handshake must come on a new connection, came on #%d", cause,
        second.connection());
    ReceivedMessage firstFrame =
        backend.received().stream().filter(m -> m.connection() == second.connection())
            .findFirst().orElseThrow();
    check(MessageCodes.HANDSHAKE.equals(firstFrame.code()),
        "the first frame on the new connection must be the Handshake, was: %s",
        firstFrame.text());
  }

  void requireUpgradeReports() {
    if (!agent.reportsUpgrades()) {
      Assumptions.abort("[" + rule.id() + "] skipped: the AgentUnderTest does not report upgrades"
          + " (reportsUpgrades() is false); call AgentProbe.upgradeStarted and return true to"
          + " verify R2.7 and R5");
    }
  }

  RecordingProbe.Upgrade awaitUpgrade(String what) {
    RecordingProbe.Upgrade upgrade = probe.awaitUpgrade(1, env.signalTimeout());
    if (upgrade == null) {
      throw new AssertionError("no upgrade started within " + env.signalTimeout().toMillis()
          + " ms: waited for " + what);
    }
    return upgrade;
  }

  void expectNoUpgrade(String rule) {
    RecordingProbe.Upgrade upgrade = probe.awaitUpgrade(1, env.noSignalTimeout());
    if (upgrade != null) {
      throw new AssertionError(rule + " (" + upgrade + ")");
    }
  }

  ReceivedMessage optionalMessage(Predicate<ReceivedMessage> matcher, String what) {
    try {
      return backend.awaitMessage(what, matcher, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      skipOptional("the agent sent no " + what + " within " + env.signalTimeout().toMillis()
          + " ms");
      throw e; // not reached
    }
  }

  void requireSeq(StateLog log) {
    if (log.seq() == null) {
      skipOptional("the agent sends no seq on StateLog (the acknowledgement extension is"
          + " optional)");
    }
  }

  void skipOptional(String reason) {
    Assumptions.abort("[" + rule.id() + "] optional rule not met: " + reason);
  }

  void untested(String why) {
    Assumptions.abort("[" + rule.id() + "] not verified by this kit: " + why);
  }

  static boolean nullOrString(ReceivedMessage message, String field) {
    JsonObject json = message.json();
    return json != null && json.has(field)
        && (json.get(field).isJsonNull() || message.string(field) != null);
  }

  static List<String> ids(List<StateLog> logs) {
    return logs.stream().map(StateLog::id).collect(Collectors.toList());
  }

  static void assertIds(List<StateLog> logs, String... expected) {
    assertThat(ids(logs)).as("ids of the StateLogs, in arrival order").containsExactly(expected);
  }

  static String firstLine(Throwable e) {
    String message = Optional.ofNullable(e.getMessage()).orElse(e.toString());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  static void check(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new AssertionError(String.format(Locale.ROOT, format, args));
    }
  }

  /** Collects every problem with one message before failing, so a report lists them all. */
  static final class Problems {
    private final String subject;
    private final List<String> problems = new ArrayList<>();

    Problems(String subject) {
      this.subject = subject;
    }

    void check(boolean condition, String format, Object... args) {
      if (!condition) {
        problems.add(String.format(Locale.ROOT, format, args));
      }
    }

    void assertNone() {
      if (!problems.isEmpty()) {
        throw new AssertionError(subject + ":\n  - " + String.join("\n  - ", problems));
      }
    }
  }
}
