package io.opsagent.fsm;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.comment;
import static io.opsagent.fsm.AgentHarness.recipe;
import static io.opsagent.fsm.AgentHarness.waitFor;
import static io.opsagent.fsm.RoundState.BACKOFF;
import static io.opsagent.fsm.RoundState.EXECUTING;
import static io.opsagent.fsm.RoundState.IDLE;
import static io.opsagent.fsm.RoundState.PENDING_UPGRADE;
import static io.opsagent.fsm.RoundState.RETRYING;
import static io.opsagent.fsm.RoundState.STOPPED;
import static io.opsagent.fsm.RoundState.WAITING_FOR_DONE;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.internal.RoundSettings;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.protocol.WaitList;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.spi.Upgrader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One test (or a few) per rule of DESIGN §3, on a manual clock with a fake executor. */
class RoundRulesTest {

    private static final Duration INTERVAL = Duration.ofMinutes(10);

    @Nested
    class Rule1And8SequentialRoundsWithInterval {

        @Test
        void statesRunOneByOneInOrderThenTheNextRoundStartsAfterTheInterval() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a"), cmd("b"), cmd("c")));

            assertThat(h.state()).isEqualTo(EXECUTING);
            assertThat(h.executor.startedIds()).containsExactly("a");
            h.succeed("a");
            assertThat(h.executor.startedIds()).containsExactly("a", "b");
            h.succeed("b");
            h.succeed("c");

            assertThat(h.logLines()).containsExactly("1:a:ok", "1:b:ok", "1:c:ok");
            assertThat(h.state()).isEqualTo(IDLE);
            assertThat(h.entered).containsExactly(EXECUTING, IDLE);

            h.advance(INTERVAL.minusMillis(1));
            assertThat(h.executor.startedIds()).hasSize(3);
            h.advance(Duration.ofMillis(1));
            assertThat(h.state()).isEqualTo(EXECUTING);
            assertThat(h.executor.startedIds()).containsExactly("a", "b", "c", "a");
            assertThat(h.agent.snapshot().round()).isEqualTo(2);
            assertThat(h.executor.maxActive()).isEqualTo(1);
        }

        @Test
        void stateLogCarriesIdentityVersionAndExecutorText() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(7, cmd("a")));
            h.executor.running("a").complete(new StateResult(true, true, "File /x updated", "hello"));
            h.loop.runUntilIdle();

            assertThat(h.logs()).containsExactly(
                    new StateLog("i-test", "app-test", 7, "a", true, "File /x updated", "hello", null));
        }

        @Test
        void roundIntervalIsConfigurable() {
            AgentHarness h = new AgentHarness(b -> b.roundInterval(Duration.ofSeconds(30)));
            h.receive(recipe(1, cmd("a")));
            h.succeed("a");
            h.advance(Duration.ofSeconds(30));
            assertThat(h.executor.startedIds()).containsExactly("a", "a");
        }
    }

    @Nested
    class Rule2And3FailureRetryAndBackoff {

        @Test
        void failureInFirstAttemptRestartsFromTheFirstStateAtOnce() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a"), cmd("b")));
            h.succeed("a");
            h.fail("b");

            assertThat(h.state()).isEqualTo(RETRYING);
            assertThat(h.executor.startedIds()).containsExactly("a", "b", "a");
            assertThat(h.logLines()).containsExactly("1:a:ok", "1:b:fail");
            assertThat(h.logs().get(1).stateComment()).isEqualTo("failed b");
            assertThat(h.logs().get(1).stateStdout()).isEqualTo("out b");
            assertThat(h.agent.snapshot().attempt()).isEqualTo(2);
        }

        @Test
        void successInRetryAttemptFinishesTheRoundNormally() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a")));
            h.fail("a");
            h.succeed("a");

            assertThat(h.state()).isEqualTo(IDLE);
            assertThat(h.entered).containsExactly(EXECUTING, RETRYING, IDLE);
            h.advance(INTERVAL);
            assertThat(h.state()).isEqualTo(EXECUTING);
        }

        @Test
        void failureInRetryAttemptCeasesTheRoundIntoBackoffThenRetriesTheRecipe() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a"), cmd("b")));
            h.succeed("a");
            h.fail("b");
            h.succeed("a");
            h.fail("b");

            assertThat(h.state()).isEqualTo(BACKOFF);
            assertThat(h.entered).containsExactly(EXECUTING, RETRYING, BACKOFF);
            assertThat(h.logLines()).containsExactly("1:a:ok", "1:b:fail", "1:a:ok", "1:b:fail");

            Duration delay = h.loop.nextTimerIn();
            assertThat(delay).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
            h.advance(delay.minusMillis(1));
            assertThat(h.state()).isEqualTo(BACKOFF);
            h.advance(Duration.ofMillis(1));
            assertThat(h.state()).isEqualTo(EXECUTING);
            assertThat(h.executor.startedIds()).containsExactly("a", "b", "a", "b", "a");
            assertThat(h.agent.snapshot().attempt()).isEqualTo(1);
        }

        @Test
        void backoffDelaysGrowExponentiallyWithJitterUpToTheCapAndResetAfterSuccess() {
            AgentHarness h = new AgentHarness(b -> b.backoff(
                    BackoffPolicy.proportional(Duration.ofSeconds(5), Duration.ofSeconds(60), 0.2)));
            h.receive(recipe(1, cmd("a")));
            List<Duration> delays = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                h.fail("a");
                h.fail("a");
                assertThat(h.state()).isEqualTo(BACKOFF);
                delays.add(h.loop.advanceToNextTimer());
            }
            long[] nominalSeconds = {5, 10, 20, 40, 60, 60, 60};
            for (int i = 0; i < delays.size(); i++) {
                Duration nominal = Duration.ofSeconds(nominalSeconds[i]);
                assertThat(delays.get(i))
                        .as("delay %d of %s", i + 1, delays)
                        .isBetween(mul(nominal, 0.8), mul(nominal, 1.2));
            }
            assertThat(delays).as("jittered, so not all equal at the cap").doesNotHaveDuplicates();

            h.succeed("a");
            assertThat(h.agent.snapshot().consecutiveFailedRounds()).isZero();
            h.advance(INTERVAL);
            h.fail("a");
            h.fail("a");
            assertThat(h.loop.nextTimerIn()).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
        }

        @Test
        void aNewRecipeDuringBackoffStartsAtOnce() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a")));
            h.fail("a");
            h.fail("a");
            assertThat(h.state()).isEqualTo(BACKOFF);

            h.receive(recipe(2, cmd("x")));
            assertThat(h.state()).isEqualTo(EXECUTING);
            assertThat(h.executor.running("x").request.recipeVersion()).isEqualTo(2);
            h.succeed("x");
            h.advance(Duration.ofMinutes(5));
            assertThat(h.executor.startedIds()).as("the old backoff timer is gone").endsWith("x");
        }
    }

    @Nested
    class Rule4Comments {

        @Test
        void commentIsNeverExecutedButReportedAsSuccess() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, comment("c1"), cmd("a"), comment("c2")));
            h.succeed("a");

            assertThat(h.executor.startedIds()).containsExactly("a");
            assertThat(h.logLines()).containsExactly("1:c1:ok", "1:a:ok", "1:c2:ok");
            assertThat(h.logs().get(0).stateComment()).isNull();
            assertThat(h.logs().get(0).stateStdout()).isNull();
            assertThat(h.state()).isEqualTo(IDLE);
        }
    }

    @Nested
    class Rule5WaitStates {

        @Test
        void waitHoldsTheRoundUntilTheBackendReleasesIt() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(3, cmd("a"), waitFor("w"), cmd("b")));
            h.succeed("a");

            assertThat(h.state()).isEqualTo(WAITING_FOR_DONE);
            h.advance(RoundSettings.DEFAULT_STATE_TIMEOUT.minusMillis(1));
            assertThat(h.executor.startedIds()).containsExactly("a");

            h.receive(new StateDone(3, "w"));
            assertThat(h.state()).isEqualTo(EXECUTING);
            assertThat(h.executor.startedIds()).containsExactly("a", "b");
            h.succeed("b");
            assertThat(h.logLines()).containsExactly("3:a:ok", "3:w:ok", "3:b:ok");
            assertThat(h.entered).containsExactly(EXECUTING, WAITING_FOR_DONE, EXECUTING, IDLE);
        }

        @Test
        void releaseThatArrivesBeforeTheWaitIsReachedIsRemembered() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(3, cmd("a"), waitFor("w"), cmd("b")));
            h.receive(new StateDone(3, "w"));
            h.succeed("a");

            assertThat(h.entered).doesNotContain(WAITING_FOR_DONE);
            assertThat(h.executor.startedIds()).containsExactly("a", "b");
        }

        @Test
        void releaseThatArrivesWhileTheWaitIsBeingReachedIsNotLost() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(3, cmd("a"), waitFor("w"), cmd("b")));
            h.executor.succeed("a");
            h.agent.receive(new StateDone(3, "w"));
            h.loop.runUntilIdle();

            assertThat(h.rejected).isEmpty();
            assertThat(h.executor.startedIds()).containsExactly("a", "b");
            assertThat(h.entered).containsExactly(EXECUTING, WAITING_FOR_DONE, EXECUTING);
        }

        @Test
        void releasesLastForTheLifeOfTheRecipeVersion() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(3, waitFor("w"), cmd("b")));
            h.receive(new StateDone(3, "w"));
            h.succeed("b");
            h.advance(INTERVAL);
            assertThat(h.executor.startedIds()).containsExactly("b", "b");

            h.receive(recipe(4, waitFor("w"), cmd("b")));
            assertThat(h.state()).as("a new version forgets the releases").isEqualTo(WAITING_FOR_DONE);
        }

        @Test
        void releaseForAnotherVersionOrAnotherWaitDoesNotReleaseTheCurrentWait() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(3, waitFor("w"), waitFor("v"), cmd("b")));
            h.receive(new StateDone(2, "w"));
            h.receive(new StateDone(3, "v"));
            assertThat(h.state()).isEqualTo(WAITING_FOR_DONE);
            h.receive(new StateDone(3, "w"));
            assertThat(h.executor.startedIds()).as("v was released earlier").containsExactly("b");
            assertThat(h.logLines()).containsExactly("3:w:ok", "3:v:ok");
        }

        @Test
        void waitListReleasesEveryListedWait() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(3, waitFor("w"), waitFor("v"), cmd("b")));
            h.receive(new WaitList(3, List.of("v", "w")));
            assertThat(h.executor.startedIds()).containsExactly("b");
        }

        @Test
        void waitReachedInTheRetryAttemptReturnsToTheRetryAttempt() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(3, cmd("a"), waitFor("w"), cmd("b")));
            h.fail("a");
            h.succeed("a");
            h.receive(new StateDone(3, "w"));
            assertThat(h.state()).isEqualTo(RETRYING);
            h.fail("b");
            assertThat(h.state()).as("a second failure in the retry attempt ceases the round").isEqualTo(BACKOFF);
        }
    }

    @Nested
    class Rule6NewRecipes {

        @Test
        void newRecipeCancelsTheRunningStateAndItsLateResultIsIgnored() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a"), cmd("b")));
            FakeExecutor.Run a = h.executor.running("a");

            h.receive(recipe(2, cmd("x")));
            assertThat(a.cancelled).isTrue();
            assertThat(h.executor.running("x").request.recipeVersion()).isEqualTo(2);

            a.complete(StateResult.changed("late", null));
            h.loop.runUntilIdle();
            assertThat(h.logs()).isEmpty();
            assertThat(h.agent.snapshot().lateResults()).isEqualTo(1);
            assertThat(h.executor.startedIds()).containsExactly("a", "x");

            h.succeed("x");
            assertThat(h.logLines()).containsExactly("2:x:ok");
        }

        @Test
        void theNewRecipesFirstStateStartsOnlyOnceTheCancelledStateIsGone() {
            AgentHarness h = new AgentHarness();
            h.executor.holdCancelReports();
            h.receive(recipe(1, cmd("a")));
            FakeExecutor.Run a = h.executor.running("a");

            h.receive(recipe(2, comment("c"), cmd("x")));

            assertThat(a.cancelled).isTrue();
            assertThat(h.logLines()).as("a comment runs nothing and need not wait").containsExactly("2:c:ok");
            assertThat(h.executor.startedIds()).as("x waits for a's process tree").containsExactly("a");
            assertThat(h.agent.snapshot().currentStateId()).isEqualTo("x");

            a.complete(StateResult.failed("cancelled; killed 2 process(es)", null));
            h.loop.runUntilIdle();

            assertThat(h.executor.startedIds()).containsExactly("a", "x");
            assertThat(h.executor.maxActive()).as("never two states at once").isEqualTo(1);
            h.succeed("x");
            assertThat(h.logLines()).containsExactly("2:c:ok", "2:x:ok");
        }

        @Test
        void theRetryAfterATimeoutStartsOnlyOnceTheKilledStateIsGone() {
            AgentHarness h = new AgentHarness(b -> b.stateTimeout(Duration.ofMinutes(2)));
            h.executor.holdCancelReports();
            h.receive(recipe(1, cmd("a")));
            FakeExecutor.Run first = h.executor.running("a");

            h.advance(Duration.ofMinutes(2));
            h.loop.runUntilIdle();
            assertThat(first.cancelled).isTrue();
            assertThat(h.state()).isEqualTo(RETRYING);
            assertThat(h.executor.runs()).hasSize(1);

            first.complete(StateResult.failed("cancelled", null));
            h.loop.runUntilIdle();
            assertThat(h.executor.runs()).hasSize(2);
            assertThat(h.executor.running("a")).isNotSameAs(first);
        }

        @Test
        void newRecipeCeasesAWaitAndStartsAtStateZero() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, waitFor("w")));
            assertThat(h.state()).isEqualTo(WAITING_FOR_DONE);
            h.receive(recipe(2, cmd("x")));
            assertThat(h.state()).isEqualTo(EXECUTING);
            assertThat(h.executor.startedIds()).containsExactly("x");
        }

        @Test
        void recipeOfTheLoadedVersionIsIgnored() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a"), cmd("b")));
            h.succeed("a");
            FakeExecutor.Run b = h.executor.running("b");
            h.receive(recipe(1, cmd("a"), cmd("b")));

            assertThat(b.cancelled).isFalse();
            assertThat(h.executor.startedIds()).containsExactly("a", "b");
            assertThat(h.agent.snapshot().repeatedRecipes()).isEqualTo(1);
            assertThat(h.agent.snapshot().rejectedEvents()).isZero();
        }

        @Test
        void releasesOfAnotherVersionOrOfNoWaitAreCounted() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(2, cmd("a"), waitFor("w")));
            h.receive(new StateDone(1, "w"));
            h.receive(new StateDone(2, "nope"));

            assertThat(h.agent.snapshot().staleReleases()).isEqualTo(1);
            assertThat(h.agent.snapshot().unknownWaitReleases()).isEqualTo(1);
            h.succeed("a");
            assertThat(h.state()).as("neither released w").isEqualTo(WAITING_FOR_DONE);
        }

        @Test
        void headerOnlyRecipeRestartsTheCurrentStatesUnderTheNewVersion() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a"), waitFor("w"), cmd("b")));
            h.receive(new StateDone(1, "w"));
            h.succeed("a");
            FakeExecutor.Run b = h.executor.running("b");

            h.receive(RecipeMetadata.headerOnly(2));
            assertThat(b.cancelled).isTrue();
            assertThat(h.executor.running("a").request.recipeVersion()).isEqualTo(2);
            h.succeed("a");
            assertThat(h.state()).as("releases of version 1 are forgotten").isEqualTo(WAITING_FOR_DONE);
            assertThat(h.logLines()).containsExactly("1:a:ok", "1:w:ok", "2:a:ok");
        }

        @Test
        void emptyStateListClearsTheRecipe() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a")));
            FakeExecutor.Run a = h.executor.running("a");
            h.receive(recipe(2));

            assertThat(a.cancelled).isTrue();
            assertThat(h.state()).isEqualTo(IDLE);
            h.advance(Duration.ofHours(2));
            assertThat(h.executor.startedIds()).containsExactly("a");
            assertThat(h.agent.snapshot().recipeVersion()).isEqualTo(2);
        }

        @Test
        void headerOnlyRecipeWithoutStatesLeavesTheAgentIdle() {
            AgentHarness h = new AgentHarness();
            h.receive(RecipeMetadata.headerOnly(5));
            assertThat(h.state()).isEqualTo(IDLE);
            assertThat(h.agent.snapshot().recipeVersion()).isEqualTo(5);
            assertThat(h.rejected).isEmpty();
        }

        @Test
        void lowerVersionIsANewRecipeToo() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(5, cmd("a")));
            h.receive(recipe(4, cmd("x")));
            assertThat(h.executor.running("x").request.recipeVersion()).isEqualTo(4);
        }
    }

    @Nested
    class Rule7Upgrades {

        private final List<AgentUpdate> orders = new ArrayList<>();
        private final List<Upgrader.UpgradeCallback> callbacks = new ArrayList<>();

        private AgentHarness harness() {
            return new AgentHarness(b -> b.upgrader((order, callback) -> {
                orders.add(order);
                callbacks.add(callback);
            }));
        }

        @Test
        void upgradeDuringARoundIsDeferredToTheRoundsEnd() {
            AgentHarness h = harness();
            h.receive(recipe(1, cmd("a"), waitFor("w"), cmd("b")));
            h.receive(new AgentUpdate("2.0", "https://example.invalid/2.0/opsagent.tgz"));
            assertThat(h.state()).isEqualTo(EXECUTING);
            assertThat(h.agent.snapshot().pendingUpgrade()).isEqualTo("2.0");
            h.succeed("a");
            assertThat(h.state()).isEqualTo(WAITING_FOR_DONE);
            assertThat(orders).isEmpty();
            h.receive(new StateDone(1, "w"));
            h.succeed("b");

            assertThat(h.state()).isEqualTo(PENDING_UPGRADE);
            assertThat(orders).extracting(AgentUpdate::version).containsExactly("2.0");
            assertThat(h.logLines()).containsExactly("1:a:ok", "1:w:ok", "1:b:ok");

            callbacks.get(0).finished();
            h.loop.runUntilIdle();
            assertThat(h.state()).isEqualTo(STOPPED);
        }

        @Test
        void upgradeRunsWhenTheRoundCeasesIntoBackoff() {
            AgentHarness h = harness();
            h.receive(recipe(1, cmd("a")));
            h.receive(new AgentUpdate("2.0", null));
            h.fail("a");
            assertThat(orders).isEmpty();
            h.fail("a");
            assertThat(h.state()).isEqualTo(PENDING_UPGRADE);
            assertThat(orders).hasSize(1);

            callbacks.get(0).failed("checksum mismatch");
            h.loop.runUntilIdle();
            assertThat(h.state()).as("the ceased round goes back to backoff").isEqualTo(BACKOFF);
            StateLog report = h.logs().get(h.logs().size() - 1);
            assertThat(report.id()).isEqualTo("agent-upgrade:2.0");
            assertThat(report.stateResult()).isFalse();
            assertThat(report.stateComment()).isEqualTo("upgrade to 2.0 failed: checksum mismatch");
            assertThat(h.agent.snapshot().pendingUpgrade()).isNull();
        }

        @Test
        void upgradeOutsideARoundRunsAtOnce() {
            AgentHarness h = harness();
            h.receive(new AgentUpdate("2.0", null));
            assertThat(h.state()).isEqualTo(PENDING_UPGRADE);
            assertThat(orders).hasSize(1);

            AgentHarness idle = harness();
            idle.receive(recipe(1, cmd("a")));
            idle.succeed("a");
            idle.receive(new AgentUpdate("3.0", null));
            assertThat(idle.state()).isEqualTo(PENDING_UPGRADE);
        }

        @Test
        void recipeThatArrivesDuringTheUpgradeIsKeptAndRunsIfTheUpgradeFails() {
            AgentHarness h = harness();
            h.receive(new AgentUpdate("2.0", null));
            h.receive(recipe(9, cmd("x")));
            h.receive(new AgentUpdate("2.1", null));
            assertThat(h.state()).isEqualTo(PENDING_UPGRADE);
            assertThat(h.executor.startedIds()).isEmpty();
            assertThat(h.agent.snapshot().recipeVersion()).isEqualTo(9);

            callbacks.get(0).failed("signature mismatch");
            h.loop.runUntilIdle();
            assertThat(h.state()).isEqualTo(EXECUTING);
            assertThat(h.executor.running("x").request.recipeVersion()).isEqualTo(9);
        }

        @Test
        void withoutAnUpgraderTheOrderFailsAndTheAgentGoesOn() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a")));
            h.succeed("a");
            h.receive(new AgentUpdate("2.0", null));
            assertThat(h.state()).isEqualTo(IDLE);
            h.advance(INTERVAL);
            assertThat(h.state()).as("the round interval still runs").isEqualTo(EXECUTING);
        }
    }

    @Nested
    class Rule9StateTimeout {

        @Test
        void stateThatRunsTooLongIsCancelledAndCountsAsFailed() {
            AgentHarness h = new AgentHarness(b -> b.stateTimeout(Duration.ofMinutes(2)));
            h.receive(recipe(1, cmd("a")));
            FakeExecutor.Run a = h.executor.running("a");

            h.advance(Duration.ofMinutes(2).minusMillis(1));
            assertThat(a.cancelled).isFalse();
            h.advance(Duration.ofMillis(1));

            assertThat(a.cancelled).isTrue();
            assertThat(h.state()).isEqualTo(RETRYING);
            assertThat(h.logs()).hasSize(1);
            assertThat(h.logs().get(0).stateResult()).isFalse();
            assertThat(h.logs().get(0).stateComment()).isEqualTo("state a timed out after 120 s (attempt 1 of round 1)");

            a.complete(StateResult.failed("killed", null));
            h.loop.runUntilIdle();
            assertThat(h.logs()).as("the killed state's own result is not reported").hasSize(1);
        }

        @Test
        void aWaitThatIsNotReleasedInTimeFailsAndTheRoundRestarts() {
            AgentHarness h = new AgentHarness(b -> b.stateTimeout(Duration.ofMinutes(2)));
            h.receive(recipe(1, waitFor("w")));
            assertThat(h.state()).isEqualTo(WAITING_FOR_DONE);

            h.advance(Duration.ofMinutes(2));
            h.loop.runUntilIdle();

            assertThat(h.logLines()).containsExactly("1:w:fail");
            assertThat(h.logs().get(0).stateComment())
                    .isEqualTo("wait state w was not released within 120 s (attempt 1 of round 1)");
            assertThat(h.state()).as("the retry reached the wait again").isEqualTo(WAITING_FOR_DONE);
            assertThat(h.agent.snapshot().attempt()).isEqualTo(2);

            h.advance(Duration.ofMinutes(2));
            h.loop.runUntilIdle();
            assertThat(h.state()).isEqualTo(BACKOFF);

            h.receive(new StateDone(1, "w"));
            assertThat(h.state()).as("a late release is remembered").isEqualTo(BACKOFF);
            h.advance(Duration.ofMinutes(10));
            h.loop.runUntilIdle();
            assertThat(h.logLines()).containsExactly("1:w:fail", "1:w:fail", "1:w:ok");
            assertThat(h.state()).isEqualTo(IDLE);
        }

        @Test
        void timeoutDoesNotFireForAStateThatFinishedInTime() {
            AgentHarness h = new AgentHarness(b -> b.stateTimeout(Duration.ofMinutes(2)));
            h.receive(recipe(1, cmd("a"), cmd("b")));
            h.advance(Duration.ofMinutes(1));
            h.succeed("a");
            h.advance(Duration.ofMinutes(1).plusSeconds(30));
            assertThat(h.executor.running("b").cancelled).isFalse();
        }
    }

    @Nested
    class BadInput {

        @Test
        void malformedFramesChangeNothing() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a"), waitFor("w")));
            AgentSnapshot before = h.agent.snapshot();

            for (String frame : List.of("not json", "[]", "{}", "{\"code\":\"Nope\"}",
                    "{\"code\":\"RecipeMetadata\",\"recipe_version\":\"2\",\"state\":[]}",
                    "{\"code\":\"State\",\"recipe_version\":1}",
                    "{\"code\":\"RecipeMetadata\",\"recipe_version\":2,\"state\":[{\"module\":\"linux.cmd\"}]}")) {
                assertThat(h.agent.receiveFrame(frame)).as(frame).isFalse();
                h.loop.runUntilIdle();
            }
            assertThat(h.agent.snapshot()).isEqualTo(before);
            assertThat(h.agent.malformedFrames()).isEqualTo(7);
            assertThat(h.executor.running("a").cancelled).isFalse();
        }

        @Test
        void stopCancelsTheRunningStateAndEndsInStopped() {
            AgentHarness h = new AgentHarness();
            h.receive(recipe(1, cmd("a")));
            FakeExecutor.Run a = h.executor.running("a");
            h.agent.close();
            h.loop.runUntilIdle();
            assertThat(a.cancelled).isTrue();
            assertThat(h.state()).isEqualTo(STOPPED);

            h.receive(recipe(2, cmd("b")));
            assertThat(h.executor.startedIds()).containsExactly("a");
            assertThat(h.agent.snapshot().rejectedEvents()).isEqualTo(1);
        }
    }

    private static Duration mul(Duration d, double f) {
        return Duration.ofNanos(Math.round(d.toNanos() * f));
    }
}
