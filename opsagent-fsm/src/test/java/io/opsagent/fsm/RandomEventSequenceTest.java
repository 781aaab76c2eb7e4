package io.opsagent.fsm;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.comment;
import static io.opsagent.fsm.AgentHarness.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.protocol.AgentMessage;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.protocol.WaitList;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.spi.Upgrader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Drives agents with seeded random sequences of inputs and checks the machine's invariants after
 * every step: it never throws, never runs two states at once, never rejects an input until it
 * stops, and never reports a state of a superseded recipe.
 */
class RandomEventSequenceTest {

    private static final int STEPS = 300;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 150);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void invariantsHoldForRandomEventSequences(long seed) {
        Random random = new Random(seed);
        List<Upgrader.UpgradeCallback> upgrades = new ArrayList<>();
        AgentHarness h = new AgentHarness(b -> b
                .roundInterval(Duration.ofSeconds(10))
                .stateTimeout(Duration.ofSeconds(30))
                .backoff(BackoffPolicy.proportional(Duration.ofSeconds(1), Duration.ofSeconds(8), 0.2))
                .upgrader(random.nextInt(4) == 0 ? null : (order, callback) -> upgrades.add(callback)));
        List<String> trace = new ArrayList<>();
        boolean stopped = false;
        int checkedLogs = 0;

        for (int step = 0; step < STEPS && !stopped; step++) {
            String action = step(h, random, upgrades);
            trace.add(action);
            String where = "seed " + seed + ", step " + step + ", trace " + tail(trace);

            assertThat(h.executor.active()).as("states running at once; %s", where).isLessThanOrEqualTo(1);
            assertThat(h.agent.snapshot().rejectedEvents()).as("rejected events; %s", where).isZero();
            List<AgentMessage> sent = h.sent;
            long version = h.agent.snapshot().recipeVersion();
            for (int i = checkedLogs; i < sent.size(); i++) {
                if (sent.get(i) instanceof StateLog log) {
                    assertThat(log.recipeVersion()).as("log of %s; %s", log.id(), where).isEqualTo(version);
                }
            }
            checkedLogs = sent.size();
            stopped = h.state() == RoundState.STOPPED;
        }
    }

    private static String step(AgentHarness h, Random random, List<Upgrader.UpgradeCallback> upgrades) {
        int pick = random.nextInt(100);
        if (pick < 12) {
            RecipeMetadata recipe = randomRecipe(random);
            h.receive(recipe);
            return "recipe " + recipe.recipeVersion() + (recipe.isHeaderOnly() ? " header-only" : "");
        } else if (pick < 45) {
            List<FakeExecutor.Run> runs = h.executor.runs();
            if (runs.isEmpty()) {
                return "nothing to complete";
            }
            FakeExecutor.Run run = runs.get(runs.size() - 1 - random.nextInt(Math.min(3, runs.size())));
            if (run.completed) {
                return "already completed";
            }
            boolean ok = random.nextBoolean();
            run.complete(ok ? StateResult.changed("ok", null) : StateResult.failed("no", null));
            h.loop.runUntilIdle();
            return "complete " + run.id() + (ok ? " ok" : " fail") + (run.cancelled ? " (late)" : "");
        } else if (pick < 60) {
            long version = h.agent.snapshot().recipeVersion() + (random.nextInt(5) == 0 ? 1 : 0);
            String id = "w" + random.nextInt(3);
            if (random.nextBoolean()) {
                h.receive(new StateDone(version, id));
            } else {
                h.receive(new WaitList(version, List.of(id, "w" + random.nextInt(3))));
            }
            return "release " + version + "/" + id;
        } else if (pick < 67) {
            h.receive(new AgentUpdate("9." + random.nextInt(3), null));
            return "upgrade ordered";
        } else if (pick < 72) {
            if (upgrades.isEmpty()) {
                return "no upgrade running";
            }
            Upgrader.UpgradeCallback callback = upgrades.remove(0);
            if (random.nextInt(4) == 0) {
                callback.finished();
            } else {
                callback.failed("refused");
            }
            h.loop.runUntilIdle();
            return "upgrade outcome";
        } else if (pick < 73) {
            h.agent.close();
            h.loop.runUntilIdle();
            return "stop";
        } else {
            Duration d = Duration.ofMillis(random.nextInt(15_000));
            h.advance(d);
            return "advance " + d.toMillis() + " ms";
        }
    }

    private static RecipeMetadata randomRecipe(Random random) {
        long version = 1 + random.nextInt(4);
        if (random.nextInt(6) == 0) {
            return RecipeMetadata.headerOnly(version);
        }
        List<RecipeState> states = new ArrayList<>();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(4);
            String id = "s" + i;
            states.add(kind == 0 ? comment(id) : kind == 1 ? waitFor("w" + i) : cmd(id));
        }
        return RecipeMetadata.of(version, dedupe(states));
    }

    private static List<RecipeState> dedupe(List<RecipeState> states) {
        List<RecipeState> out = new ArrayList<>();
        for (RecipeState s : states) {
            if (out.stream().noneMatch(o -> o.id().equals(s.id()))) {
                out.add(s);
            }
        }
        return out;
    }

    private static List<String> tail(List<String> trace) {
        return trace.subList(Math.max(0, trace.size() - 12), trace.size());
    }
}
