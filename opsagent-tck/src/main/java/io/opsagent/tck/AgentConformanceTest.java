package io.opsagent.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.opsagent.backend.BackendTimeoutException;
import io.opsagent.backend.ConnectionAttempt;
import io.opsagent.backend.MessageCodes;
import io.opsagent.backend.ReceivedMessage;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import io.opsagent.backend.internal.Json;
import io.opsagent.tck.internal.Poll;
import io.opsagent.tck.internal.RecordingProbe;
import io.opsagent.tck.internal.Scratch;
import io.opsagent.tck.internal.TestCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The OpsAgent conformance tests: one test per testable rule of SPEC.md, run against the agent
 * that {@link #createAgent()} returns, over the wire, through the kit's {@link ReferenceBackend}.
 *
 * <p>To verify an implementation, extend this class in a test source set and return a fresh
 * adapter for every test:
 *
 * <pre>{@code
 * class MyAgentConformanceTest extends AgentConformanceTest {
 *   @Override
 *   protected AgentUnderTest createAgent() {
 *     return new MyAgentAdapter();
 *   }
 * }
 * }</pre>
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
public abstract class AgentConformanceTest {

  private TckEnvironment env;
  private ReferenceBackend backend;
  private Scratch scratch;
  private RecordingProbe probe;
  private AgentUnderTest agent;
  private Rule rule;

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

  // ======================================================================== fixture

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

  // ======================================================================== R1 transport and handshake

  @Test
  @Tag("required")
  public void required_R1_1_sendsOnlyJsonObjectTextFramesWithCode() {
    startAndConnect(settings().build());
    backend.pushRecipe(Recipe.version(1).cmd("frames-1", "true").comment("frames-2", "x").build());
    awaitLogs(2, "the two states of the recipe to be reported");

    List<ReceivedMessage> malformed =
        backend.received().stream().filter(m -> !m.isWellFormed()).collect(Collectors.toList());
    assertThat(malformed)
        .as("frames that are not one JSON object with a string \"code\" in a text frame")
        .isEmpty();
  }

  @Test
  @Tag("required")
  public void required_R1_2_handshakeIsFirstFrameWithIdentity() {
    AgentSettings settings = settings().build();
    startAgent(settings);
    ReceivedMessage first =
        backend.awaitMessage("the agent's first frame", m -> true, env.signalTimeout());

    check(
        MessageCodes.HANDSHAKE.equals(first.code()),
        "the first frame on a new connection must be a Handshake, was: %s",
        first.text());
    checkIdentity(first, settings, "Handshake");
  }

  @Test
  @Tag("required")
  public void required_R1_3_appNotReadyRepeatsHandshakeOnSameConnectionAfterPause() {
    Duration pause = ms(250);
    backend.setAppNotReadyReplies(2);
    startAgent(settings().notReadyRetryPause(pause).build());

    backend.awaitHandshake(3, env.signalTimeout().plus(pause.multipliedBy(2)));
    List<ReceivedMessage> handshakes = backend.handshakes().subList(0, 3);
    for (int i = 1; i < 3; i++) {
      ReceivedMessage previous = handshakes.get(i - 1);
      ReceivedMessage next = handshakes.get(i);
      check(
          next.connection() == previous.connection(),
          "Handshake %d came on connection #%d, not on #%d that got AppNotReady:"
              + " AppNotReady must not make the agent reconnect",
          i + 1, next.connection(), previous.connection());
      long gap = millisBetween(previous.receivedAtNanos(), next.receivedAtNanos());
      check(
          gap >= pause.toMillis() - earlySlack(),
          "Handshake %d came %d ms after AppNotReady; the agent must pause %d ms first",
          i + 1, gap, pause.toMillis());
    }
    check(backend.connections().size() == 1,
        "AppNotReady must not make the agent reconnect, but it opened %d connections",
        backend.connections().size());
  }

  @Test
  public void optional_R1_4_testIsAnsweredWithIdentity() {
    AgentSettings settings = settings().build();
    startAndConnect(settings);
    backend.sendTest();

    ReceivedMessage reply =
        optionalMessage(m -> MessageCodes.TEST.equals(m.code()), "a Test reply to Test");
    checkIdentity(reply, settings, "Test reply");
  }

  @Test
  public void optional_R1_5_testAnswerMayCloseConnection() {
    startAndConnect(settings().build());
    backend.sendTest();
    backend.sendTestAnswer(true, null);

    // Either way is allowed: the connection stays, or the agent closes it and reconnects (R4.1).
    boolean closed = Poll.becomesTrueWithin(
        () -> !backend.connections().get(0).isOpen(), env.noSignalTimeout(), env.pollInterval());
    if (closed) {
      expectHandshakeOnNewConnection("the agent closed the connection after TestAns");
    }
    backend.pushRecipe(Recipe.version(1).cmd("tans-s1", "true").build());
    awaitLog(l -> "tans-s1".equals(l.id()), "a recipe pushed after TestAns to run: the agent must"
        + " go on working, on the same connection or, if it closed it, on a new one");
  }

  @Test
  public void optional_R1_6_waitQueryCarriesIdentityAndVersion() {
    AgentSettings settings = settings().build();
    startAndConnect(settings);
    backend.pushRecipe(Recipe.version(4).waitFor("query-wait").build());

    ReceivedMessage query =
        optionalMessage(m -> MessageCodes.WAIT_QUERY.equals(m.code()), "a WaitQuery");
    Problems problems = new Problems("WaitQuery " + query.text());
    problems.check(settings.instanceId().equals(query.string("instance_id")),
        "instance_id must be %s", settings.instanceId());
    problems.check(settings.appId().equals(query.string("app_id")), "app_id must be %s",
        settings.appId());
    problems.check(Long.valueOf(4).equals(query.integer("recipe_version")),
        "recipe_version must be the integer 4");
    problems.assertNone();
  }

  @Test
  @Tag("required")
  public void required_R1_7_waitListReleasesListedWaits() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(5).waitFor("list-w1").waitFor("list-w2").cmd("list-s3", "true").build());
    backend.sendWaitList(5, List.of("list-w1", "list-w2"));

    List<StateLog> logs =
        awaitLogs(3, "WaitList named both wait states; they must be released as by State");
    assertIds(logs.subList(0, 3), "list-w1", "list-w2", "list-s3");
    check(logs.subList(0, 3).stream().allMatch(StateLog::succeeded),
        "released wait states and the following state must succeed: %s", logs.subList(0, 3));
  }

  @Test
  @Tag("required")
  public void required_R1_8_wssVerifiesCertificatesAndHostNames() throws IOException {
    TestCertificates certificates = TestCertificates.get();
    serveTls(certificates.loopback());
    startAgent(settings().caFile(certificates.caPem()).build());
    awaitHandshake(1, "the agent, trusting the kit's CA, to connect over wss:// to a certificate"
        + " from that CA for 127.0.0.1");

    serveTls(certificates.otherHostName());
    expectTlsRefused(1, "a certificate from the trusted CA for another host name"
        + " (wrong-host.invalid)");
    serveTls(certificates.untrusted());
    expectTlsRefused(2, "a certificate for 127.0.0.1 that no trusted CA issued (self-signed)");
  }

  @Test
  public void optional_R1_9_pingsDetectDeadPeers() {
    Duration ping = ms(400);
    Duration reconnectMax = ms(300);
    AgentSettings settings = settings().pingInterval(ping).reconnect(ms(50), reconnectMax).build();
    startAndConnect(settings);
    backend.stallConnection();

    // A ping is due at most one interval after the stall; it counts as unanswered when the next
    // is due, one more interval later; then the reconnect waits at most its maximum.
    Duration bound = ping.multipliedBy(2).plus(reconnectMax).plus(env.timingTolerance());
    long stalled = System.nanoTime();
    ReceivedMessage second;
    try {
      second = backend.awaitHandshake(2, bound.plus(env.signalTimeout()));
    } catch (BackendTimeoutException e) {
      skipOptional("the agent kept a connection whose peer stopped answering for "
          + bound.plus(env.signalTimeout()).toMillis() + " ms");
      return;
    }
    long took = millisBetween(stalled, second.receivedAtNanos());
    if (took > bound.toMillis()) {
      skipOptional("the agent took " + took + " ms to leave a dead peer, more than two ping"
          + " intervals (" + ping.toMillis() + " ms) plus the reconnect maximum and tolerance ("
          + bound.toMillis() + " ms)");
    }
    check(second.connection() != backend.handshakes().get(0).connection(),
        "the Handshake after a dead peer must come on a new connection, came on #%d",
        second.connection());
  }

  // ======================================================================== R2 round lifecycle

  @Test
  @Tag("required")
  public void required_R2_1_statesRunOneAtATimeInRecipeOrder() {
    startAndConnect(settings().roundInterval(ms(2_000)).build());
    Recipe.Builder recipe = Recipe.version(1);
    for (String id : List.of("seq-a", "seq-b", "seq-c")) {
      recipe.cmd(id, scratch.append("order", "start-" + id) + "; sleep 0.1; "
          + scratch.append("order", "end-" + id));
    }
    backend.pushRecipe(recipe.build());
    awaitLogs(3, "the three states to be reported");

    List<String> lines = scratch.lines("order");
    assertThat(lines.subList(0, Math.min(6, lines.size())))
        .as("what the states wrote when they started and ended: each state must end before"
            + " the next starts, in recipe order")
        .containsExactly("start-seq-a", "end-seq-a", "start-seq-b", "end-seq-b", "start-seq-c",
            "end-seq-c");
  }

  @Test
  @Tag("required")
  public void required_R2_2_failureInFirstAttemptRestartsRoundAtOnce() {
    Duration backoff = ms(3_000);
    startAndConnect(settings().backoff(backoff, backoff.multipliedBy(2)).build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("once-s1", "true")
            .cmd("once-s2", failOnce("once-s2.failed"))
            .build());

    List<StateLog> logs = awaitLogs(3, "a state run after once-s2 failed");
    check(!logs.get(1).succeeded(), "the kit's state once-s2 must fail the first time: %s", logs);
    check("once-s1".equals(logs.get(2).id()),
        "after once-s2 failed in the first attempt the round must restart from its first state"
            + " (once-s1), but the next state reported was %s", logs.get(2).id());
    long gap = millisBetween(logs.get(1).receivedAtNanos(), logs.get(2).receivedAtNanos());
    check(gap < beforePause(backoff),
        "after a failure in the first attempt the round must restart at once, without backoff"
            + " (%d ms here): the retry started %d ms after the failure, when a backoff could have"
            + " ended (%d ms)", backoff.toMillis(), gap, beforePause(backoff));
    List<StateLog> retried = awaitLogs(4, "once-s2 to be retried");
    check(retried.get(3).succeeded() && "once-s2".equals(retried.get(3).id()),
        "the retry attempt must run once-s2 again, which succeeds now: %s", retried);
  }

  @Test
  @Tag("required")
  public void required_R2_3_failureInRetryCeasesRoundIntoBackoff() {
    Duration initial = ms(400);
    startAndConnect(settings().backoff(initial, initial.multipliedBy(4)).build());
    backend.pushRecipe(Recipe.version(1).cmd("bk-s1", "true").cmd("bk-s2", "false").build());

    List<StateLog> logs = awaitLogs(6, "three attempts of the failing recipe");
    assertIds(logs.subList(0, 6), "bk-s1", "bk-s2", "bk-s1", "bk-s2", "bk-s1", "bk-s2");
    long retryGap = millisBetween(logs.get(1).receivedAtNanos(), logs.get(2).receivedAtNanos());
    check(retryGap < beforePause(initial),
        "the first attempt's failure must be retried at once (R2.2), but the retry started after"
            + " %d ms, when a backoff could have ended (%d ms)", retryGap, beforePause(initial));
    long pause = millisBetween(logs.get(3).receivedAtNanos(), logs.get(4).receivedAtNanos());
    long minimum = initial.toMillis() * 8 / 10;
    check(pause >= minimum - earlySlack(),
        "after the retry attempt failed too, the round must cease into backoff for at least"
            + " %d ms (80 %% of the initial backoff %d ms), but the next attempt started after"
            + " %d ms", minimum, initial.toMillis(), pause);
  }

  @Test
  @Tag("required")
  public void required_R2_3_backoffGrowsExponentiallyUpToCap() {
    Duration initial = ms(200);
    Duration cap = ms(800);
    startAndConnect(settings().backoff(initial, cap).build());
    backend.pushRecipe(Recipe.version(1).cmd("grow-f", "false").build());

    int pauses = 4;
    List<StateLog> logs = awaitLogs(2 * pauses + 1, pauses + " ceased rounds");
    for (int k = 1; k <= pauses; k++) {
      long pause =
          millisBetween(logs.get(2 * k - 1).receivedAtNanos(), logs.get(2 * k).receivedAtNanos());
      double nominalFloor = Math.min(cap.toMillis(), initial.toMillis() * Math.pow(1.5, k - 1));
      long lower = Math.round(nominalFloor * 0.8);
      long upper = Math.round(cap.toMillis() * 1.2) + env.timingTolerance().toMillis();
      check(pause >= lower - earlySlack(),
          "backoff pause %d lasted %d ms; it must grow by at least 1.5x per ceased round up to"
              + " the cap (initial %d ms, cap %d ms), so be at least %d ms with -20 %% jitter",
          k, pause, initial.toMillis(), cap.toMillis(), lower);
      check(pause <= upper,
          "backoff pause %d lasted %d ms, more than the cap %d ms + 20 %% jitter + %d ms"
              + " tolerance", k, pause, cap.toMillis(), env.timingTolerance().toMillis());
    }
  }

  @Test
  @Tag("required")
  public void required_R2_3_backoffResetsAfterSuccessfulRound() {
    Duration initial = ms(100);
    startAndConnect(
        settings().backoff(initial, initial.multipliedBy(16)).roundInterval(ms(200)).build());
    // runs 1-6 fail (three ceased rounds: pauses of about 100, 200, 400 ms), run 7 succeeds,
    // runs 8 and 9 fail: the pause after them must be back at about 100 ms, not 800 ms
    backend.pushRecipe(
        Recipe.version(1).cmd("reset-c", scratch.count("reset.count") + "; [ $n -eq 7 ]").build());

    List<StateLog> logs = awaitLogs(10, "ten runs of the state");
    check(logs.get(6).succeeded() && !logs.get(5).succeeded() && !logs.get(8).succeeded(),
        "the kit's state must fail on runs 1-6 and 8-9 and succeed on run 7: %s", logs);
    long pause = millisBetween(logs.get(8).receivedAtNanos(), logs.get(9).receivedAtNanos());
    long upper = Math.round(initial.toMillis() * 1.2) + env.timingTolerance().toMillis();
    check(pause <= upper,
        "after a successful round the backoff must start again from its initial %d ms, but the"
            + " first pause after the success lasted %d ms (at most %d ms expected; without the"
            + " reset it would be about %d ms)",
        initial.toMillis(), pause, upper, initial.toMillis() * 8);
  }

  @Test
  @Tag("required")
  public void required_R2_4_commentStateIsReportedButNeverExecuted() {
    startAndConnect(settings().build());
    JsonObject parameter = new JsonObject();
    parameter.addProperty("comment", scratch.touch("comment.ran"));
    parameter.addProperty("cmd", scratch.touch("comment.ran"));
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("cm-s1", "true")
            .state("cm-c2", Recipe.META_COMMENT, parameter)
            .cmd("cm-s3", "true")
            .build());

    List<StateLog> logs = awaitLogs(3, "all three states, the comment included, to be reported");
    assertIds(logs.subList(0, 3), "cm-s1", "cm-c2", "cm-s3");
    check(logs.get(1).succeeded(), "a comment state must be reported as a success: %s",
        logs.get(1));
    check(!scratch.exists("comment.ran"),
        "the comment state was executed: the command in its parameter ran");
  }

  @Test
  @Tag("required")
  public void required_R2_5_waitStateHoldsRoundUntilReleased() {
    startAndConnect(settings().build());
    backend.pushRecipe(Recipe.version(1).waitFor("hold-w1").cmd("hold-s2", scratch.touch("s2"))
        .build());

    expectNoNewLogs(0, "the round must hold at wait state hold-w1 until it is released");
    check(!scratch.exists("s2"), "the state after an unreleased wait state ran");
    backend.releaseWait(1, "hold-w1");
    List<StateLog> logs = awaitLogs(2, "the released wait state and the next state");
    assertIds(logs.subList(0, 2), "hold-w1", "hold-s2");
    check(logs.get(0).succeeded(), "a released wait state must be reported as a success: %s",
        logs.get(0));
  }

  @Test
  @Tag("required")
  public void required_R2_5_releaseBeforeWaitIsReachedIsRemembered() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("early-s1", scratch.gate("s1.started", "s1.gate"))
            .waitFor("early-w2")
            .cmd("early-s3", "true")
            .build());
    awaitFile("s1.started", "state early-s1 to start");
    backend.releaseWait(1, "early-w2");
    scratch.create("s1.gate");

    List<StateLog> logs =
        awaitLogs(3, "the whole round: early-w2 was released while early-s1 was still running,"
            + " and a release that arrives before the wait state is reached must be remembered");
    assertIds(logs.subList(0, 3), "early-s1", "early-w2", "early-s3");
  }

  @Test
  @Tag("required")
  public void required_R2_5_releaseLastsForLaterRoundsOfSameVersion() {
    startAndConnect(settings().roundInterval(ms(200)).build());
    backend.pushRecipe(Recipe.version(3).waitFor("last-w1").cmd("last-s2", "true").build());
    backend.releaseWait(3, "last-w1");

    List<StateLog> logs = awaitLogs(4, "a second round: a release lasts for the recipe version,"
        + " so the second round must pass last-w1 without a new release");
    assertIds(logs.subList(0, 4), "last-w1", "last-s2", "last-w1", "last-s2");
  }

  @Test
  @Tag("required")
  public void required_R2_5_releaseForAnotherVersionIsIgnored() {
    startAndConnect(settings().build());
    backend.pushRecipe(Recipe.version(2).waitFor("ver-w1").cmd("ver-s2", "true").build());
    backend.releaseWait(1, "ver-w1");
    backend.releaseWait(3, "ver-w1");

    expectNoNewLogs(0, "a State for recipe versions 1 and 3 must not release a wait state of"
        + " version 2");
    backend.releaseWait(2, "ver-w1");
    assertIds(awaitLogs(2, "the wait state released for version 2").subList(0, 2),
        "ver-w1", "ver-s2");
  }

  @Test
  @Tag("required")
  public void required_R2_6_newRecipeKillsRunningStateAndStartsOver() {
    startAndConnect(settings().stateTimeout(ms(60_000)).build());
    backend.pushRecipe(
        Recipe.version(1).cmd("pre-a1", "true").cmd("pre-a2", scratch.longRunning("a2")).build());
    awaitFile("a2.pid", "the long-running state pre-a2 to start");
    long sleepPid = scratch.pid("a2.pid").orElseThrow();
    long shellPid = scratch.pid("a2.sh.pid").orElseThrow();

    backend.pushRecipe(Recipe.version(2).cmd("pre-b1", "true").build());
    awaitLog(l -> "pre-b1".equals(l.id()) && Long.valueOf(2).equals(l.recipeVersion()),
        "a new recipe must cease the round at once: state pre-b1 of version 2 must run while"
            + " pre-a2 of version 1 is still running its 600 s command");
    Poll.until("the process tree of the preempted state to be killed (shell " + shellPid
            + ", its child sleep " + sleepPid + ")",
        () -> !Scratch.isRunning(sleepPid) && !Scratch.isRunning(shellPid),
        env.signalTimeout(), env.pollInterval());
    List<StateLog> logs = backend.stateLogs();
    check(logs.stream().noneMatch(l -> "pre-a2".equals(l.id())),
        "the result of the preempted state pre-a2 must be discarded, but it was reported: %s",
        logs);
    int firstV2 = indexOf(logs, l -> Long.valueOf(2).equals(l.recipeVersion()));
    check(logs.subList(firstV2, logs.size()).stream()
            .allMatch(l -> Long.valueOf(2).equals(l.recipeVersion())),
        "no StateLog of version 1 may follow the start of version 2: %s", logs);
  }

  @Test
  @Tag("required")
  public void required_R2_6_newRecipeCutsBackoffShort() {
    Duration backoff = ms(5_000);
    startAndConnect(settings().backoff(backoff, backoff.multipliedBy(2)).build());
    backend.pushRecipe(Recipe.version(1).cmd("cut-f1", "false").build());
    awaitLogs(2, "the first attempt and the retry to fail");

    long pushed = System.nanoTime();
    backend.pushRecipe(Recipe.version(2).cmd("cut-g1", "true").build());
    StateLog first = awaitLog(l -> "cut-g1".equals(l.id()),
        "the new recipe to start although the agent is in backoff");
    long delay = millisBetween(pushed, first.receivedAtNanos());
    check(delay < beforePause(backoff),
        "a new recipe must end the backoff (%d ms) at once, but it started %d ms after it was"
            + " pushed, when the backoff could have ended (%d ms)", backoff.toMillis(), delay,
        beforePause(backoff));
  }

  @Test
  @Tag("required")
  public void required_R2_6_sameVersionRecipeIsIgnored() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1).cmd("same-s1", scratch.append("s1.runs", "run")).waitFor("same-w2")
            .build());
    awaitLogs(1, "state same-s1 to run");

    backend.pushRecipe(Recipe.version(1).cmd("same-x1", scratch.touch("x1")).build());
    expectNoNewLogs(1, "a recipe with the version already loaded must be ignored");
    check(scratch.lineCount("s1.runs") == 1 && !scratch.exists("x1"),
        "a recipe with the version already loaded must be ignored, but the agent ran states"
            + " again (same-s1 ran %d times; same-x1 ran: %s)",
        scratch.lineCount("s1.runs"), scratch.exists("x1"));
    backend.releaseWait(1, "same-w2");
    awaitLog(l -> "same-w2".equals(l.id()), "the original round to go on at same-w2");
  }

  @Test
  @Tag("required")
  public void required_R2_6_headerOnlyRecipeRestartsStatesUnderNewVersion() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1).cmd("hdr-s1", scratch.append("s1.runs", "run")).waitFor("hdr-w2")
            .build());
    awaitLogs(1, "state hdr-s1 to run");

    backend.pushRecipe(Recipe.headerOnly(2));
    awaitLog(l -> "hdr-s1".equals(l.id()) && Long.valueOf(2).equals(l.recipeVersion()),
        "a header-only recipe must restart the current states from the first one under the new"
            + " version 2");
    backend.releaseWait(2, "hdr-w2");
    awaitLog(l -> "hdr-w2".equals(l.id()) && Long.valueOf(2).equals(l.recipeVersion()),
        "wait state hdr-w2 of version 2 to be released");
    check(scratch.lineCount("s1.runs") == 2,
        "hdr-s1 must have run twice (versions 1 and 2), ran %d times",
        scratch.lineCount("s1.runs"));
  }

  @Test
  @Tag("required")
  public void required_R2_6_emptyRecipeStopsRounds() {
    startAndConnect(settings().stateTimeout(ms(60_000)).build());
    backend.pushRecipe(Recipe.version(1).cmd("empty-l1", scratch.longRunning("l1")).build());
    awaitFile("l1.pid", "the long-running state to start");
    long sleepPid = scratch.pid("l1.pid").orElseThrow();

    backend.pushRecipe(Recipe.empty(2));
    Poll.until("the running state to be killed: an empty recipe (state: []) ceases the round",
        () -> !Scratch.isRunning(sleepPid), env.signalTimeout(), env.pollInterval());
    expectNoNewLogs(0, "after an empty recipe there is nothing to run or report");
    backend.pushRecipe(Recipe.version(3).cmd("empty-t1", "true").build());
    awaitLog(l -> "empty-t1".equals(l.id()), "the next recipe to run after the empty one");
  }

  @Test
  @Tag("required")
  public void required_R2_7_upgradeWaitsForRunningRoundToFinish() {
    requireUpgradeReports();
    startAndConnect(settings().roundInterval(ms(2_000)).build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("upg-s1", scratch.gate("s1.started", "s1.gate"))
            .cmd("upg-s2", scratch.touch("s2.done"))
            .build());
    awaitFile("s1.started", "state upg-s1 to start");
    probe.snapshotWith(() -> scratch.exists("s2.done") ? "upg-s2 had run" : "upg-s2 had not run");

    backend.orderUpgrade("9.9.9", "ws://127.0.0.1:1/agent/");
    expectNoUpgrade("an upgrade order must not interrupt the round: the agent upgraded while"
        + " state upg-s1 was still running");
    scratch.create("s1.gate");
    RecordingProbe.Upgrade upgrade = awaitUpgrade("the upgrade to run when the round finished");
    check("upg-s2 had run".equals(upgrade.snapshot()),
        "the upgrade must wait for the whole round, but it started before the last state"
            + " upg-s2 had run");
    assertIds(awaitLogs(2, "both states of the round").subList(0, 2), "upg-s1", "upg-s2");
  }

  @Test
  @Tag("required")
  public void required_R2_7_upgradeRunsWhenRoundCeasesIntoBackoff() {
    requireUpgradeReports();
    Duration backoff = ms(4_000);
    startAndConnect(settings().backoff(backoff, backoff).build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("upf-f1", scratch.append("f1.runs", "run") + "; "
                + scratch.gate("f1.started", "f1.gate") + "; exit 1")
            .build());
    awaitFile("f1.started", "state upf-f1 to start");
    probe.snapshotWith(() -> Integer.toString(scratch.lineCount("f1.runs")));

    backend.orderUpgrade("9.9.10", "ws://127.0.0.1:1/agent/");
    expectNoUpgrade("the agent upgraded while the round's first attempt was still running");
    scratch.create("f1.gate");
    RecordingProbe.Upgrade upgrade = probe.awaitUpgrade(1, backoff.dividedBy(2));
    check(upgrade != null,
        "when the round ceases into backoff the upgrade must run, but none started within"
            + " %d ms of the retry's failure (backoff %d ms)",
        backoff.dividedBy(2).toMillis(), backoff.toMillis());
    check("2".equals(upgrade.snapshot()),
        "the upgrade must run when the retry attempt has failed (after 2 runs of upf-f1), but it"
            + " started after %s run(s)", upgrade.snapshot());
  }

  @Test
  @Tag("required")
  public void required_R2_7_upgradeRunsAtOnceBetweenRounds() {
    requireUpgradeReports();
    Duration interval = ms(4_000);
    startAndConnect(settings().roundInterval(interval).build());
    backend.pushRecipe(Recipe.version(1).cmd("idle-s1", "true").build());
    awaitLogs(1, "the round to finish");

    long ordered = System.nanoTime();
    backend.orderUpgrade("9.9.11", "ws://127.0.0.1:1/agent/");
    RecordingProbe.Upgrade upgrade = awaitUpgrade("the upgrade to start between rounds");
    long delay = millisBetween(ordered, upgrade.atNanos());
    check(backend.stateLogs().size() == 1,
        "between rounds an upgrade must run at once, but the next round ran first: %s",
        backend.stateLogs());
    check(delay < beforePause(interval),
        "between rounds an upgrade must run at once, but it started %d ms after the order, when"
            + " the round interval (%d ms) could have ended", delay, interval.toMillis());
  }

  @Test
  @Tag("required")
  public void required_R2_8_nextRoundStartsAfterRoundInterval() {
    Duration interval = ms(400);
    startAndConnect(settings().roundInterval(interval).build());
    backend.pushRecipe(Recipe.version(1).cmd("int-s1", "true").build());

    List<StateLog> logs = awaitLogs(3, "three rounds");
    for (int k = 1; k < 3; k++) {
      long gap = millisBetween(logs.get(k - 1).receivedAtNanos(), logs.get(k).receivedAtNanos());
      check(gap >= interval.toMillis() - earlySlack(),
          "round %d started %d ms after the previous round ended, before the round interval of"
              + " %d ms", k + 1, gap, interval.toMillis());
      check(gap <= interval.toMillis() + env.timingTolerance().toMillis(),
          "round %d started %d ms after the previous round ended; it must start after the"
              + " round interval (%d ms, tolerance %d ms)",
          k + 1, gap, interval.toMillis(), env.timingTolerance().toMillis());
    }
  }

  @Test
  @Tag("required")
  public void required_R2_9_stateTimeoutKillsProcessTreeAndFailsState() {
    Duration timeout = ms(600);
    startAndConnect(settings().stateTimeout(timeout).backoff(ms(5_000), ms(5_000)).build());
    long pushed = System.nanoTime();
    backend.pushRecipe(Recipe.version(1).cmd("slow-t1", scratch.longRunning("t1")).build());
    awaitFile("t1.pid", "the long-running state to start");
    long sleepPid = scratch.pid("t1.pid").orElseThrow();
    long shellPid = scratch.pid("t1.sh.pid").orElseThrow();

    StateLog log = awaitLog(l -> "slow-t1".equals(l.id()),
        "a state running past its timeout (" + timeout.toMillis() + " ms) to be killed and"
            + " reported as failed");
    check(!log.succeeded(), "a state that timed out must count as failed: %s", log);
    String comment = log.comment() == null ? "" : log.comment().toLowerCase(Locale.ROOT);
    check(comment.contains("time"),
        "state_comment must say that the state timed out, was: %s", log.comment());
    long elapsed = millisBetween(pushed, log.receivedAtNanos());
    check(elapsed >= timeout.toMillis() * 9 / 10,
        "the state was reported after %d ms, before its timeout of %d ms", elapsed,
        timeout.toMillis());
    Poll.until("the timed-out state's process tree to be gone (shell " + shellPid
            + ", its child sleep " + sleepPid + ")",
        () -> !Scratch.isRunning(sleepPid) && !Scratch.isRunning(shellPid),
        env.signalTimeout(), env.pollInterval());
  }

  // ======================================================================== R3 results and reporting

  @Test
  @Tag("required")
  public void required_R3_1_everyExecutedStateIsReportedOnceWithAllFields() {
    AgentSettings settings = settings().roundInterval(ms(3_000)).build();
    startAndConnect(settings);
    backend.pushRecipe(
        Recipe.version(7).comment("log-c1", "hello").cmd("log-s2", "echo log").waitFor("log-w3")
            .build());
    backend.releaseWait(7, "log-w3");

    List<StateLog> logs = awaitLogs(3, "the three states of the round");
    expectNoNewLogs(3, "exactly one StateLog per executed state");
    assertIds(logs, "log-c1", "log-s2", "log-w3");
    for (StateLog log : logs) {
      ReceivedMessage message = log.message();
      Problems problems = new Problems("StateLog " + message.text());
      problems.check(settings.instanceId().equals(log.instanceId()), "instance_id must be %s",
          settings.instanceId());
      problems.check(settings.appId().equals(log.appId()), "app_id must be %s", settings.appId());
      problems.check(Long.valueOf(7).equals(log.recipeVersion()),
          "recipe_version must be the integer 7");
      problems.check(log.result() != null, "state_result must be a boolean");
      problems.check(log.succeeded(), "state_result must be true for this state");
      problems.check(nullOrString(message, "state_comment"),
          "state_comment must be present, a string or null");
      problems.check(nullOrString(message, "state_stdout"),
          "state_stdout must be present, a string or null");
      problems.assertNone();
    }
  }

  @Test
  @Tag("required")
  public void required_R3_2_stateLogsArriveInExecutionOrder() {
    startAndConnect(settings().roundInterval(ms(100)).build());
    backend.pushRecipe(
        Recipe.version(1).cmd("ord-1", "true").cmd("ord-2", "true").cmd("ord-3", "true")
            .cmd("ord-4", "true").build());

    List<StateLog> logs = awaitLogs(8, "two rounds");
    assertIds(logs.subList(0, 8),
        "ord-1", "ord-2", "ord-3", "ord-4", "ord-1", "ord-2", "ord-3", "ord-4");
  }

  @Test
  @Tag("required")
  public void required_R3_3_linuxCmdExitStatusDecidesResult() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("exit-ok", "[ \"$(echo sh)\" = sh ] && exit 0")
            .cmd("exit-bad", "exit 3")
            .build());

    List<StateLog> logs = awaitLogs(2, "both states");
    assertIds(logs.subList(0, 2), "exit-ok", "exit-bad");
    check(logs.get(0).succeeded(), "a command that exits with 0 must succeed: %s", logs.get(0));
    check(Boolean.FALSE.equals(logs.get(1).result()),
        "a command that exits with 3 must fail: %s", logs.get(1));
  }

  @Test
  public void optional_R3_4_commandOutputIsReported() {
    startAndConnect(settings().build());
    String marker = "tck-output-" + UUID.randomUUID();
    backend.pushRecipe(Recipe.version(1).cmd("out-s1", "echo " + marker).build());

    StateLog log = awaitLogs(1, "the state").get(0);
    if (log.stdout() == null || !log.stdout().contains(marker)) {
      skipOptional("state_stdout does not carry the command's output (was: " + log.stdout() + ")");
    }
  }

  @Test
  @Tag("required")
  public void required_R3_5_unsupportedModuleFailsState() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1).state("mod-u1", "tck.no_such_module", new JsonObject()).build());

    StateLog log = awaitLog(l -> "mod-u1".equals(l.id()),
        "a state of an unsupported module to be reported as failed");
    check(Boolean.FALSE.equals(log.result()),
        "a state whose module the agent does not support must fail, not be skipped: %s", log);
  }

  @Test
  public void optional_R3_6_sequenceNumbersIncrease() {
    startAndConnect(settings().roundInterval(ms(100)).build());
    backend.pushRecipe(Recipe.version(1).cmd("seq-1", "true").cmd("seq-2", "true").build());

    List<StateLog> logs = awaitLogs(4, "two rounds");
    requireSeq(logs.get(0));
    List<Long> seqs = logs.stream().map(StateLog::seq).collect(Collectors.toList());
    for (int i = 1; i < seqs.size(); i++) {
      check(seqs.get(i) != null && seqs.get(i) > seqs.get(i - 1),
          "seq must increase with every StateLog, got %s", seqs);
    }
  }

  // ======================================================================== R4 reconnect and backoff

  @Test
  @Tag("required")
  public void required_R4_1_reconnectsAfterBackendClosesConnection() {
    startAndConnect(settings().build());
    backend.closeConnection(1001, "going away");
    expectHandshakeOnNewConnection("the backend closed the connection");
  }

  @Test
  @Tag("required")
  public void required_R4_1_reconnectsAfterConnectionBreaks() {
    startAndConnect(settings().build());
    backend.cancelConnection();
    expectHandshakeOnNewConnection("the connection broke (reset without a close frame)");
  }

  @Test
  @Tag("required")
  public void required_R4_1_reconnectsAfterBackendRestarts() throws IOException {
    startAndConnect(settings().build());
    backend.stop();
    backend.start();
    expectHandshakeOnNewConnection("the backend restarted on the same port");
  }

  @Test
  @Tag("required")
  public void required_R4_2_reconnectAttemptsBackOffUpToMax() {
    Duration initial = ms(100);
    Duration max = ms(400);
    backend.setRefuseConnections(true);
    startAgent(settings().reconnect(initial, max).build());

    int count = 7;
    List<ConnectionAttempt> attempts =
        backend.awaitConnectionAttempts(count, env.signalTimeout()).subList(0, count);
    long total = 0;
    for (int i = 1; i < count; i++) {
      long gap = millisBetween(attempts.get(i - 1).atNanos(), attempts.get(i).atNanos());
      total += gap;
      check(gap <= max.toMillis() + env.timingTolerance().toMillis(),
          "reconnect attempt %d came %d ms after the previous one, more than the reconnect"
              + " maximum %d ms (tolerance %d ms)",
          i + 1, gap, max.toMillis(), env.timingTolerance().toMillis());
    }
    long mean = total / (count - 1);
    check(mean >= initial.toMillis() / 4,
        "the agent tried to reconnect %d times in %d ms (mean gap %d ms): reconnect attempts"
            + " must back off (initial %d ms, exponential, full jitter)",
        count, total, mean, initial.toMillis());
    backend.setRefuseConnections(false);
    awaitHandshake(1, "the agent to connect once the backend accepts connections again");
  }

  @Test
  @Tag("required")
  public void required_R4_3_roundsContinueWhileDisconnected() {
    startAndConnect(settings().roundInterval(ms(150)).build());
    backend.pushRecipe(Recipe.version(1).cmd("off-r1", scratch.append("r1.runs", "run")).build());
    awaitLogs(1, "the first round");

    backend.stop();
    int before = scratch.lineCount("r1.runs");
    Poll.until("two more rounds after the backend stopped: rounds must go on while the agent is"
            + " disconnected",
        () -> scratch.lineCount("r1.runs") >= before + 2, env.signalTimeout(),
        env.pollInterval());
  }

  @Test
  @Tag("required")
  public void required_R4_4_logsQueuedOfflineAreDeliveredInOrderAfterHandshake() {
    startAndConnect(settings().roundInterval(ms(300)).build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("q-1", "true")
            .cmd("q-2", scratch.gate("q2.started", "q2.gate"))
            .cmd("q-3", scratch.append("q3.runs", "run"))
            .build());
    awaitFile("q2.started", "state q-2 to start");
    awaitLogs(1, "state q-1 to be reported");

    // go offline, and wait until the agent has noticed (it tries to reconnect and is refused)
    backend.setRefuseConnections(true);
    int attemptsBefore = backend.connectionAttempts().size();
    backend.cancelConnection();
    backend.awaitConnectionAttempts(attemptsBefore + 1, env.signalTimeout());
    scratch.create("q2.gate");
    Poll.until("two rounds to finish offline", () -> scratch.lineCount("q3.runs") >= 2,
        env.signalTimeout(), env.pollInterval());
    backend.setRefuseConnections(false);

    List<StateLog> logs = awaitLogs(6, "the StateLogs of the states that ran offline");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < logs.size(); i++) {
      expected.add("q-" + (i % 3 + 1));
    }
    assertThat(ids(logs))
        .as("StateLogs across the reconnect: every state that ran must be reported once, in"
            + " the order the states ran (q-1, q-2, q-3 repeated); a gap means logs were lost")
        .isEqualTo(expected);
    int second = logs.get(1).connection();
    ReceivedMessage firstOnSecond =
        backend.received().stream().filter(m -> m.connection() == second).findFirst()
            .orElseThrow();
    check(MessageCodes.HANDSHAKE.equals(firstOnSecond.code()),
        "queued StateLogs must follow the Handshake of the new connection, but the first frame"
            + " on connection #%d was: %s", second, firstOnSecond.text());
  }

  @Test
  public void optional_R4_5_unacknowledgedLogsAreResentAfterReconnect() {
    backend.setAutoAck(true);
    startAndConnect(settings().roundInterval(ms(10_000)).build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("ack-1", "true")
            .cmd("ack-2", scratch.gate("k2.started", "k2.gate"))
            .cmd("ack-3", "true")
            .build());
    StateLog acked = awaitLogs(1, "state ack-1 to be reported").get(0);
    requireSeq(acked);
    awaitFile("k2.started", "state ack-2 to start");

    backend.setAutoAck(false);
    scratch.create("k2.gate");
    List<StateLog> logs = awaitLogs(3, "states ack-2 and ack-3 to be reported");
    long seq2 = logs.get(1).seq();
    long seq3 = logs.get(2).seq();
    backend.cancelConnection();

    backend.await("ack-2 and ack-3 to be sent again on a new connection",
        () -> resentOnLaterConnection(seq3) ? Boolean.TRUE : null, env.signalTimeout());
    List<ReceivedMessage> again =
        backend.received().stream()
            .filter(m -> m.connection() > 1 && MessageCodes.STATE_LOG.equals(m.code()))
            .collect(Collectors.toList());
    List<Long> resent = again.stream().map(m -> m.integer("seq")).collect(Collectors.toList());
    check(resent.indexOf(seq2) >= 0 && resent.indexOf(seq2) < resent.indexOf(seq3),
        "unacknowledged StateLogs must be resent in seq order: expected %d then %d, got %s",
        seq2, seq3, resent);
    check(!resent.contains(acked.seq()),
        "StateLog seq %d was acknowledged and must not be resent, got %s", acked.seq(), resent);
    ReceivedMessage firstOnNew =
        backend.received().stream().filter(m -> m.connection() > 1).findFirst().orElseThrow();
    check(MessageCodes.HANDSHAKE.equals(firstOnNew.code()),
        "resent StateLogs must follow the Handshake, first frame was: %s", firstOnNew.text());
  }

  // ======================================================================== R5 upgrade

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

  // ======================================================================== R6 bad input

  @Test
  @Tag("required")
  public void required_R6_1_malformedFramesAreDroppedAndConnectionStays() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1).cmd("bad-s1", scratch.append("s1.runs", "run")).waitFor("bad-w2")
            .build());
    awaitLogs(1, "state bad-s1 to run");

    for (String garbage : List.of(
        "this is not JSON",
        "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"bad-w2\"",
        "{'code':'State','recipe_version':1,'id':'bad-w2'}",
        "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"bad-w2\"} trailing",
        "[{\"code\":\"State\",\"recipe_version\":1,\"id\":\"bad-w2\"}]",
        "\"RecipeMetadata\"",
        "42",
        "null",
        "{}",
        "{\"code\":17}",
        "{\"code\":\"NoSuchMessage\",\"recipe_version\":1,\"id\":\"bad-w2\"}")) {
      backend.sendText(garbage);
    }
    backend.sendBinary("{\"code\":\"State\",\"recipe_version\":1,\"id\":\"bad-w2\"}"
        .getBytes(StandardCharsets.UTF_8));

    expectNoNewLogs(1, "malformed frames must be dropped without any effect");
    check(backend.connections().size() == 1 && backend.connections().get(0).isOpen(),
        "the connection must stay open after malformed frames: %s", backend.connections());
    check(scratch.lineCount("s1.runs") == 1, "malformed frames restarted the round");
    backend.releaseWait(1, "bad-w2");
    awaitLog(l -> "bad-w2".equals(l.id()) && Long.valueOf(1).equals(l.recipeVersion()),
        "a valid release after the malformed frames: the agent must still hold recipe 1");
  }

  @Test
  @Tag("required")
  public void required_R6_2_messagesWithInvalidFieldsAreRejectedWhole() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1).cmd("inv-s1", scratch.append("s1.runs", "run")).waitFor("inv-w2")
            .build());
    awaitLogs(1, "state inv-s1 to run");

    String item = "{\"id\":\"inv-x\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\""
        + scratch.touch("x.ran") + "\"}}";
    for (String invalid : List.of(
        recipeText("\"2\"", "[" + item + "]"),
        recipeText("0", "[" + item + "]"),
        recipeText("-3", "[" + item + "]"),
        recipeText("2.5", "[" + item + "]"),
        recipeText("true", "[" + item + "]"),
        "{\"code\":\"RecipeMetadata\",\"state\":[" + item + "]}",
        recipeText("2", "[" + item + ",{\"id\":\"inv-y\",\"module\":\"linux.cmd\"}]"),
        recipeText("2", "[" + item + ",{\"module\":\"linux.cmd\",\"parameter\":{}}]"),
        recipeText("2", "[" + item + ",\"not an object\"]"),
        recipeText("2", item),
        "{\"code\":\"State\",\"recipe_version\":1}",
        "{\"code\":\"State\",\"recipe_version\":1,\"id\":5}",
        "{\"code\":\"State\",\"recipe_version\":\"1\",\"id\":\"inv-w2\"}",
        "{\"code\":\"State\",\"id\":\"inv-w2\"}",
        "{\"code\":\"WaitList\",\"recipe_version\":1,\"waited\":\"inv-w2\"}")) {
      backend.sendText(invalid);
    }

    expectNoNewLogs(1, "messages with invalid fields must be rejected without any effect");
    check(!scratch.exists("x.ran"), "a state of an invalid recipe ran");
    check(scratch.lineCount("s1.runs") == 1, "an invalid message restarted the round");
    backend.releaseWait(1, "inv-w2");
    awaitLog(l -> "inv-w2".equals(l.id()) && Long.valueOf(1).equals(l.recipeVersion()),
        "a valid release after the invalid messages: the agent must still hold recipe 1");
  }

  @Test
  @Tag("required")
  public void required_R6_3_unknownFieldsAreIgnored() {
    startAndConnect(settings().build());
    JsonObject recipe =
        Recipe.version(1).cmd("unk-s1", scratch.touch("s1.done")).waitFor("unk-w2").build()
            .toJsonObject();
    recipe.addProperty("_", "a note for humans");
    JsonObject future = new JsonObject();
    future.addProperty("a", 1);
    recipe.add("future_field", future);
    for (var element : recipe.getAsJsonArray("state")) {
      element.getAsJsonObject().addProperty("_", "per-state note");
      element.getAsJsonObject().add("extra", new JsonArray());
    }
    backend.sendText(Json.write(recipe));
    awaitLog(l -> "unk-s1".equals(l.id()), "the recipe with unknown fields to run");

    backend.sendText(
        "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"unk-w2\",\"released_by\":\"tck\"}");
    awaitLog(l -> "unk-w2".equals(l.id()), "a State with an unknown field to release unk-w2");
  }

  @Test
  public void optional_R6_4_stateidIsAcceptedAsAliasOfId() {
    startAndConnect(settings().build());
    backend.pushRecipe(Recipe.version(1).waitFor("alias-w1").cmd("alias-s2", "true").build());
    backend.sendText("{\"code\":\"State\",\"recipe_version\":1,\"stateid\":\"alias-w1\"}");

    try {
      backend.awaitStateLog("for alias-w1", l -> "alias-w1".equals(l.id()), env.signalTimeout());
    } catch (BackendTimeoutException e) {
      skipOptional("a State naming the wait state with stateid did not release it");
    }
  }

  // ======================================================================== helpers

  private AgentSettings.Builder settings() {
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

  private void startAgent(AgentSettings settings) {
    try {
      Files.createDirectories(settings.workDir());
      agent.start(settings, probe);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("the agent did not start: " + e, e);
    }
  }

  /** Restarts the backend on its port, serving wss:// with this key and certificate. */
  private void serveTls(SSLContext context) throws IOException {
    backend.stop();
    backend.setTls(context);
    backend.start();
  }

  /**
   * The agent must try the backend (a TLS handshake fails at the backend: attempts in all reach
   * {@code failures}) and must not hand-shake over it.
   */
  private void expectTlsRefused(int failures, String certificate) {
    int handshakes = backend.handshakes().size();
    backend.await("the agent to connect again", () -> backend.tlsFailures().size() >= failures
        || backend.handshakes().size() > handshakes ? Boolean.TRUE : null, env.signalTimeout());
    check(backend.handshakes().size() == handshakes,
        "over wss:// the agent must refuse %s, but it hand-shook over it", certificate);
    boolean accepted = Poll.becomesTrueWithin(() -> backend.handshakes().size() > handshakes,
        env.noSignalTimeout(), env.pollInterval());
    check(!accepted, "over wss:// the agent must refuse %s, but it hand-shook over it",
        certificate);
  }

  private void startAndConnect(AgentSettings settings) {
    startAgent(settings);
    awaitHandshake(1, "the agent to connect and hand-shake");
  }

  private Duration ms(long millis) {
    return env.millis(millis);
  }

  /**
   * Slack below a lower time bound measured between two frames at the backend: the earlier
   * frame may have been delayed on its way more than the later one (half the tolerance).
   */
  private long earlySlack() {
    return env.timingTolerance().toMillis() / 2;
  }

  /**
   * "At once" as told from "after a pause the agent was configured with": an event measured from
   * its cause must come before the shortest form of that pause, 80 % of it (the lowest jitter of
   * R2.3), less {@link #earlySlack()}. Scaled with the pause, so a slow machine does not turn
   * "at once" into a failure the way a fixed tolerance would.
   */
  private long beforePause(Duration pause) {
    return pause.toMillis() * 8 / 10 - earlySlack();
  }

  private static long millisBetween(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  private void awaitHandshake(int n, String what) {
    try {
      backend.awaitHandshake(n, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      throw new AssertionError("no Handshake: waited for " + what + "; " + firstLine(e), e);
    }
  }

  private List<StateLog> awaitLogs(int count, String what) {
    try {
      return backend.awaitStateLogs(count, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      throw new AssertionError(
          "only " + backend.stateLogs().size() + " of " + count + " StateLogs arrived within "
              + env.signalTimeout().toMillis() + " ms: waited for " + what, e);
    }
  }

  private StateLog awaitLog(Predicate<StateLog> matcher, String what) {
    try {
      return backend.awaitStateLog(what, matcher, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      throw new AssertionError(
          "no matching StateLog within " + env.signalTimeout().toMillis() + " ms: waited for "
              + what + "; got " + backend.stateLogs(), e);
    }
  }

  private void expectNoNewLogs(int known, String rule) {
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

  private void awaitFile(String name, String what) {
    Poll.until(what + " (file " + name + ")", () -> scratch.exists(name), env.signalTimeout(),
        env.pollInterval());
  }

  private String failOnce(String marker) {
    return "if [ -e " + scratch.quoted(marker) + " ]; then exit 0; else " + scratch.touch(marker)
        + "; exit 1; fi";
  }

  private void expectHandshakeOnNewConnection(String cause) {
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

  private boolean resentOnLaterConnection(long seq) {
    return backend.received().stream()
        .anyMatch(m -> m.connection() > 1 && MessageCodes.STATE_LOG.equals(m.code())
            && Long.valueOf(seq).equals(m.integer("seq")));
  }

  private void requireUpgradeReports() {
    if (!agent.reportsUpgrades()) {
      Assumptions.abort("[" + rule.id() + "] skipped: the AgentUnderTest does not report upgrades"
          + " (reportsUpgrades() is false); call AgentProbe.upgradeStarted and return true to"
          + " verify R2.7 and R5");
    }
  }

  private RecordingProbe.Upgrade awaitUpgrade(String what) {
    RecordingProbe.Upgrade upgrade = probe.awaitUpgrade(1, env.signalTimeout());
    if (upgrade == null) {
      throw new AssertionError("no upgrade started within " + env.signalTimeout().toMillis()
          + " ms: waited for " + what);
    }
    return upgrade;
  }

  private void expectNoUpgrade(String rule) {
    RecordingProbe.Upgrade upgrade = probe.awaitUpgrade(1, env.noSignalTimeout());
    if (upgrade != null) {
      throw new AssertionError(rule + " (" + upgrade + ")");
    }
  }

  private ReceivedMessage optionalMessage(Predicate<ReceivedMessage> matcher, String what) {
    try {
      return backend.awaitMessage(what, matcher, env.signalTimeout());
    } catch (BackendTimeoutException e) {
      skipOptional("the agent sent no " + what + " within " + env.signalTimeout().toMillis()
          + " ms");
      throw e; // not reached
    }
  }

  private void requireSeq(StateLog log) {
    if (log.seq() == null) {
      skipOptional("the agent sends no seq on StateLog (the acknowledgement extension is"
          + " optional)");
    }
  }

  private void skipOptional(String reason) {
    Assumptions.abort("[" + rule.id() + "] optional rule not met: " + reason);
  }

  private void untested(String why) {
    Assumptions.abort("[" + rule.id() + "] not verified by this kit: " + why);
  }

  private void checkIdentity(ReceivedMessage message, AgentSettings settings, String what) {
    Problems problems = new Problems(what + " " + message.text());
    problems.check(settings.instanceId().equals(message.string("instance_id")),
        "instance_id must be %s", settings.instanceId());
    problems.check(settings.appId().equals(message.string("app_id")), "app_id must be %s",
        settings.appId());
    String version = message.string("agent_version");
    problems.check(version != null && !version.isEmpty(),
        "agent_version must be a non-empty string");
    problems.check(Long.valueOf(1).equals(message.integer("protocol_version")),
        "protocol_version must be the integer 1");
    problems.check(settings.instanceToken().equals(message.string("instance_token")),
        "instance_token must be the configured token");
    problems.check(nullOrString(message, "init_errors"),
        "init_errors must be present, a string or null");
    problems.assertNone();
  }

  private static boolean nullOrString(ReceivedMessage message, String field) {
    JsonObject json = message.json();
    return json != null && json.has(field)
        && (json.get(field).isJsonNull() || message.string(field) != null);
  }

  private static String recipeText(String version, String states) {
    return "{\"code\":\"RecipeMetadata\",\"recipe_version\":" + version + ",\"state\":" + states
        + "}";
  }

  private static List<String> ids(List<StateLog> logs) {
    return logs.stream().map(StateLog::id).collect(Collectors.toList());
  }

  private static void assertIds(List<StateLog> logs, String... expected) {
    assertThat(ids(logs)).as("ids of the StateLogs, in arrival order").containsExactly(expected);
  }

  private static int indexOf(List<StateLog> logs, Predicate<StateLog> matcher) {
    for (int i = 0; i < logs.size(); i++) {
      if (matcher.test(logs.get(i))) {
        return i;
      }
    }
    return logs.size();
  }

  private static String firstLine(Throwable e) {
    String message = Optional.ofNullable(e.getMessage()).orElse(e.toString());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static void check(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new AssertionError(String.format(Locale.ROOT, format, args));
    }
  }

  /** Collects every problem with one message before failing, so a report lists them all. */
  private static final class Problems {
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
