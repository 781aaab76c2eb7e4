package io.opsagent.fsm;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.recipe;
import static io.opsagent.fsm.AgentHarness.waitFor;
import static io.opsagent.fsm.RoundState.EXECUTING;
import static io.opsagent.fsm.RoundState.IDLE;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.spi.StateResult;
import java.time.Duration;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

/**
 * Every kind of input the round machine drops or ignores is logged at DEBUG and counted in its
 * own counter of {@link AgentSnapshot}, and only there: each test provokes one kind and checks
 * that its counter, and no other, moved.
 */
class DroppedInputsTest {

    private static final Duration INTERVAL = Duration.ofMinutes(10);

    @Test
    void aTimeoutThatFallsDueAsItsStateReportsIsCountedAsStaleAndChangesNothing() {
        // given: a state whose result is queued on the loop just before its timeout fires
        RacingLoop racing = new RacingLoop();
        AgentHarness h = new AgentHarness(racing::around, b -> b.stateTimeout(Duration.ofMinutes(2)));
        h.receive(recipe(1, cmd("a"), cmd("b")));
        FakeExecutor.Run a = h.executor.running("a");
        racing.beforeNextTimer(() -> a.complete(StateResult.changed("done just in time", null)));

        // when
        try (LogLines log = new LogLines(Level.DEBUG)) {
            h.advance(Duration.ofMinutes(2));

            // then: the result won; the timeout is dropped, logged and counted
            assertThat(log.lines()).anyMatch(l -> l.startsWith("DEBUG stale input dropped: StateTimedOut"));
        }
        assertThat(h.logLines()).containsExactly("1:a:ok");
        assertThat(h.logs().get(0).stateComment()).isEqualTo("done just in time");
        assertThat(h.executor.running("b").cancelled).isFalse();
        assertThat(h.state()).isEqualTo(EXECUTING);
        assertThat(counters(h.agent.snapshot())).containsExactly(only("staleTimeouts", 1));
    }

    @Test
    void theIntervalTimerThatFallsDueAsANewRecipeArrivesIsCountedAsStale() {
        // given: a finished round, the next one due after the interval
        RacingLoop racing = new RacingLoop();
        AgentHarness h = new AgentHarness(racing::around, b -> b.roundInterval(INTERVAL));
        h.receive(recipe(1, cmd("a")));
        h.succeed("a");
        assertThat(h.state()).isEqualTo(IDLE);
        racing.beforeNextTimer(() -> h.agent.receive(recipe(2, cmd("x"))));

        // when: the timer fires with the new recipe already queued ahead of it
        try (LogLines log = new LogLines(Level.DEBUG)) {
            h.advance(INTERVAL);

            // then: the new recipe's round runs, once; the called-off timer is dropped and counted
            assertThat(log.lines()).anyMatch(l -> l.startsWith("DEBUG stale input dropped: TimerFired"));
        }
        assertThat(h.executor.startedIds()).containsExactly("a", "x");
        assertThat(h.state()).isEqualTo(EXECUTING);
        assertThat(counters(h.agent.snapshot())).containsExactly(only("staleTimers", 1));
    }

    @Test
    void aResultOfACancelledStateIsCountedAsLate() {
        AgentHarness h = new AgentHarness();
        h.receive(recipe(1, cmd("a")));
        FakeExecutor.Run a = h.executor.running("a");

        try (LogLines log = new LogLines(Level.DEBUG)) {
            // The new recipe cancels a, which reports its cancellation: too late to count.
            h.receive(recipe(2, cmd("x")));

            assertThat(log.lines()).anyMatch(l -> l.startsWith("DEBUG stale input dropped: StateCompleted"));
        }
        assertThat(a.cancelled).isTrue();
        assertThat(h.logs()).isEmpty();
        assertThat(counters(h.agent.snapshot())).containsExactly(only("lateResults", 1));
    }

    @Test
    void releasesOfAnotherVersionAndOfNoWaitStateAreCountedApart() {
        AgentHarness h = new AgentHarness();
        h.receive(recipe(3, waitFor("w")));

        try (LogLines log = new LogLines(Level.DEBUG)) {
            h.receive(new StateDone(2, "w"));
            assertThat(counters(h.agent.snapshot())).containsExactly(only("staleReleases", 1));

            h.receive(new StateDone(3, "nowhere"));

            assertThat(log.lines()).contains(
                    "DEBUG release of wait state w for recipe version 2 dropped: the loaded version is 3",
                    "DEBUG release of nowhere, which is no wait state of recipe version 3; remembered");
        }
        assertThat(counters(h.agent.snapshot())).containsExactly(0, 0, 0, 0, 1, 1, 0, 0);
        assertThat(h.state()).isEqualTo(RoundState.WAITING_FOR_DONE);
    }

    @Test
    void aRepushOfTheLoadedVersionIsCountedAndIgnored() {
        AgentHarness h = new AgentHarness();
        h.receive(recipe(1, cmd("a")));

        try (LogLines log = new LogLines(Level.DEBUG)) {
            h.receive(recipe(1, cmd("a")));

            assertThat(log.lines()).contains("INFO recipe version 1 is already loaded; ignored");
        }
        assertThat(h.executor.startedIds()).containsExactly("a");
        assertThat(counters(h.agent.snapshot())).containsExactly(only("repeatedRecipes", 1));
    }

    @Test
    void anEventWithoutATransitionInTheCurrentStateIsCountedAsRejected() {
        AgentHarness h = new AgentHarness();
        h.agent.close();
        h.loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(RoundState.STOPPED);

        // A recipe for a stopped machine: no transition takes it.
        try (LogLines log = new LogLines(Level.DEBUG)) {
            h.receive(recipe(1, cmd("a")));

            assertThat(log.lines()).anyMatch(l -> l.startsWith("DEBUG event rejected: no transition for"));
        }
        assertThat(h.rejected).hasSize(1);
        assertThat(counters(h.agent.snapshot())).containsExactly(only("rejectedEvents", 1));
    }

    @Test
    void anActionThatThrowsIsCountedAndItsEventRejected() {
        // given: a sink that fails on the first StateLog, so the action reporting it throws
        boolean[] failed = {false};
        AgentHarness failing = new AgentHarness(b -> b.sink(message -> {
            if (message instanceof StateLog && !failed[0]) {
                failed[0] = true;
                throw new IllegalStateException("sink broken");
            }
        }));
        failing.receive(recipe(1, cmd("a")));

        // when
        try (LogLines log = new LogLines(Level.ERROR)) {
            failing.succeed("a");

            // then
            assertThat(log.lines()).anyMatch(l -> l.startsWith("ERROR round machine action")
                    && l.contains("sink broken"));
        }
        assertThat(failed[0]).isTrue();
        AgentSnapshot s = failing.agent.snapshot();
        assertThat(s.actionFailures()).isEqualTo(1);
        assertThat(s.rejectedEvents()).as("the event whose action threw").isEqualTo(1);
        assertThat(counters(s)).containsExactly(1, 0, 0, 0, 0, 0, 0, 1);
    }

    // ------------------------------------------------------------------ helpers

    private static final String[] COUNTERS = {"rejectedEvents", "lateResults", "staleTimeouts", "staleTimers",
        "staleReleases", "unknownWaitReleases", "repeatedRecipes", "actionFailures"};

    private static long[] counters(AgentSnapshot s) {
        return new long[] {s.rejectedEvents(), s.lateResults(), s.staleTimeouts(), s.staleTimers(),
            s.staleReleases(), s.unknownWaitReleases(), s.repeatedRecipes(), s.actionFailures()};
    }

    /** The counters with {@code name} at {@code value} and every other at zero. */
    private static long[] only(String name, long value) {
        long[] c = new long[COUNTERS.length];
        c[java.util.Arrays.asList(COUNTERS).indexOf(name)] = value;
        return c;
    }

    /**
     * Wraps the harness's manual loop so that a test can slip work in just as a timer falls due,
     * before the timer's own task runs: what a result or a message arriving from another thread
     * at that moment does on the real loop.
     */
    private static final class RacingLoop {
        private Runnable beforeNextTimer;

        void beforeNextTimer(Runnable action) {
            beforeNextTimer = action;
        }

        EventLoop around(EventLoop loop) {
            return new EventLoop() {
                @Override
                public void execute(Runnable task) {
                    loop.execute(task);
                }

                @Override
                public Cancellable schedule(Duration delay, Runnable task) {
                    return loop.schedule(delay, () -> {
                        Runnable first = beforeNextTimer;
                        beforeNextTimer = null;
                        if (first != null) {
                            first.run();
                        }
                        task.run();
                    });
                }

                @Override
                public long nanoTime() {
                    return loop.nanoTime();
                }

                @Override
                public boolean inLoop() {
                    return loop.inLoop();
                }

                @Override
                public void shutdown() {
                    loop.shutdown();
                }
            };
        }
    }
}
