package io.opsagent.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.backend.MessageCodes;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.StateLog;
import io.opsagent.tck.internal.Poll;
import io.opsagent.tck.internal.RecordingProbe;
import io.opsagent.tck.internal.Scratch;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The conformance tests of SPEC.md section R2, round lifecycle: one test per testable rule of the
 * section, against the agent that {@link #createAgent()} returns. Extend it in a test source set,
 * like the class of every other section ({@link Rule.Section#conformanceTest()}), and return a
 * fresh adapter for every test (SPEC.md, "Running the kit").
 */
public abstract class RoundConformanceTest extends ConformanceTestBase {

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
    backend.pushRecipe(Recipe.version(1)
        .cmd("bk-s1", scratch.clock(RUNS))
        .cmd("bk-s2", scratch.clock(RUNS) + "; exit 1")
        .build());

    List<StateLog> logs = awaitLogs(6, "three attempts of the failing recipe");
    assertIds(logs.subList(0, 6), "bk-s1", "bk-s2", "bk-s1", "bk-s2", "bk-s1", "bk-s2");
    long retryGap = millisBetween(logs.get(1).receivedAtNanos(), logs.get(2).receivedAtNanos());
    check(retryGap < beforePause(initial),
        "the first attempt's failure must be retried at once (R2.2), but the retry started after"
            + " %d ms, when a backoff could have ended (%d ms)", retryGap, beforePause(initial));
    long pause = millisBetweenRuns(3, 4);
    Duration minimum = initial.multipliedBy(8).dividedBy(10);
    check(pause >= minimum.toMillis(),
        "after the retry attempt failed too, the round must cease into backoff for at least"
            + " %d ms (80 %% of the initial backoff %d ms), but the next attempt started %d ms"
            + " after the failed state ended (as the states stamped themselves)",
        minimum.toMillis(), initial.toMillis(), pause);
  }

  @Test
  @Tag("required")
  public void required_R2_3_backoffGrowsExponentiallyUpToCap() {
    Duration initial = ms(200);
    Duration cap = ms(800);
    startAndConnect(settings().backoff(initial, cap).build());
    backend.pushRecipe(Recipe.version(1).cmd("grow-f", scratch.clock(RUNS) + "; exit 1").build());

    int pauses = 4;
    awaitLogs(2 * pauses + 1, pauses + " ceased rounds");
    for (int k = 1; k <= pauses; k++) {
      long pause = millisBetweenRuns(2 * k - 1, 2 * k);
      double nominalFloor = Math.min(cap.toMillis(), initial.toMillis() * Math.pow(1.5, k - 1));
      long lower = (long) Math.floor(nominalFloor * 0.8);
      long upper = atMost(cap.multipliedBy(12).dividedBy(10));
      check(pause >= lower,
          "backoff pause %d lasted %d ms; it must grow by at least 1.5x per ceased round up to"
              + " the cap (initial %d ms, cap %d ms), so be at least %d ms with -20 %% jitter",
          k, pause, initial.toMillis(), cap.toMillis(), lower);
      check(pause <= upper,
          "backoff pause %d lasted %d ms, more than the cap %d ms + 20 %% jitter and the timing"
              + " slack (%d ms)", k, pause, cap.toMillis(), upper);
    }
  }

  @Test
  @Tag("required")
  public void required_R2_3_backoffResetsAfterSuccessfulRound() {
    Duration initial = ms(200);
    startAndConnect(
        settings().backoff(initial, initial.multipliedBy(16)).roundInterval(ms(200)).build());
    // runs 1-6 fail (three ceased rounds: pauses of about 200, 400, 800 ms), run 7 succeeds,
    // runs 8 and 9 fail: the pause after them must be back at about 200 ms, not 1,600 ms
    backend.pushRecipe(
        Recipe.version(1).cmd("reset-c", scratch.count("reset.count") + "; [ $n -eq 7 ]").build());

    List<StateLog> logs = awaitLogs(10, "ten runs of the state");
    check(logs.get(6).succeeded() && !logs.get(5).succeeded() && !logs.get(8).succeeded(),
        "the kit's state must fail on runs 1-6 and 8-9 and succeed on run 7: %s", logs);
    long pause = millisBetween(logs.get(8).receivedAtNanos(), logs.get(9).receivedAtNanos());
    long upper = atMost(initial.multipliedBy(12).dividedBy(10));
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

    int mark = backend.transcript().size();
    backend.pushRecipe(Recipe.version(2).cmd("cut-g1", "true").build());
    long pushed = sentAtNanos(mark, MessageCodes.RECIPE_METADATA);
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

    int mark = backend.transcript().size();
    backend.orderUpgrade("9.9.11", "ws://127.0.0.1:1/agent/");
    long ordered = sentAtNanos(mark, MessageCodes.AGENT_UPDATE);
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
    backend.pushRecipe(Recipe.version(1).cmd("int-s1", scratch.clock(RUNS)).build());

    awaitLogs(3, "three rounds");
    for (int k = 1; k < 3; k++) {
      long gap = millisBetweenRuns(k - 1, k);
      check(gap >= interval.toMillis(),
          "round %d started %d ms after the previous round ended, before the round interval of"
              + " %d ms", k + 1, gap, interval.toMillis());
      check(gap <= atMost(interval),
          "round %d started %d ms after the previous round ended; it must start after the"
              + " round interval (%d ms; at most %d ms with the timing slack)",
          k + 1, gap, interval.toMillis(), atMost(interval));
    }
  }

  @Test
  @Tag("required")
  public void required_R2_9_stateTimeoutKillsProcessTreeAndFailsState() {
    Duration timeout = ms(600);
    startAndConnect(settings().stateTimeout(timeout).backoff(ms(5_000), ms(5_000)).build());
    int mark = backend.transcript().size();
    backend.pushRecipe(Recipe.version(1).cmd("slow-t1", scratch.longRunning("t1")).build());
    long pushed = sentAtNanos(mark, MessageCodes.RECIPE_METADATA);
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
    check(elapsed >= atLeast(timeout),
        "the state was reported %d ms after the recipe was sent, before its timeout of %d ms",
        elapsed, timeout.toMillis());
    Poll.until("the timed-out state's process tree to be gone (shell " + shellPid
            + ", its child sleep " + sleepPid + ")",
        () -> !Scratch.isRunning(sleepPid) && !Scratch.isRunning(shellPid),
        env.signalTimeout(), env.pollInterval());
  }

  // ======================================================================== helpers

  /** The file the states of the timing tests stamp their runs into ({@link Scratch#clock}). */
  private static final String RUNS = "runs.clock";

  /**
   * The milliseconds between run {@code before} and run {@code after} (counted from 0, in the
   * order the states ran) of the states that stamp {@link #RUNS}, as the states stamped
   * themselves on the agent's host. Each state's stamp is the only thing it does before its exit,
   * so the span holds the whole pause the agent made between the two runs, plus process exit
   * and start-up only: it can be longer than the pause, never shorter. The times at which the
   * backend received the two StateLogs are no such bound: an earlier StateLog delivered late
   * shortens the span between them by its delay, which no fixed slack bounds on a loaded machine.
   */
  private long millisBetweenRuns(int before, int after) {
    List<Long> stamps = scratch.clockNanos(RUNS);
    check(stamps.size() > after,
        "the agent reported at least %d runs of the kit's states, but they stamped only %d: a"
            + " state reported as run must have run", after + 1, stamps.size());
    return millisBetween(stamps.get(before), stamps.get(after));
  }

  private String failOnce(String marker) {
    return "if [ -e " + scratch.quoted(marker) + " ]; then exit 0; else " + scratch.touch(marker)
        + "; exit 1; fi";
  }

  private static int indexOf(List<StateLog> logs, Predicate<StateLog> matcher) {
    for (int i = 0; i < logs.size(); i++) {
      if (matcher.test(logs.get(i))) {
        return i;
      }
    }
    return logs.size();
  }
}
