package io.opsagent.fsm;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.recipe;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.fsm.exec.NativeExecutor;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A recipe is checked whole before any of it runs. */
class RecipeCheckTest {

    private static RecipeState state(String id, String module, String parameterJson) {
        return io.opsagent.fsm.testutil.Json.state(id, module, com.google.gson.JsonParser.parseString(parameterJson).getAsJsonObject());
    }

    @Test
    void theBuiltInExecutorReportsEveryProblemOfEveryStateAtOnceWithItsOwnChecks() {
        RecipeCheck.Problem[] problems = RecipeCheck.problems(recipe(4,
                state("ok", "linux.cmd", "{\"cmd\": \"true\"}"),
                state("unknown", "linux.nope", "{}"),
                state("soon", "linux.cmd", "{\"cmd\": \"true\", \"timeout\": \"soon\"}"),
                state("no-cmd", "linux.cmd", "{}"),
                state("note", "meta.comment", "{}")), new NativeExecutor()).toArray(RecipeCheck.Problem[]::new);

        // An unsupported module is no problem of the recipe: it fails as a state, with its StateLog (SPEC R3.5).
        assertThat(problems).extracting(RecipeCheck.Problem::stateId).containsExactly("soon", "no-cmd");
        assertThat(problems[0].toString()).startsWith("state 3 (soon, linux.cmd): linux.cmd: parameter 'timeout'");
        assertThat(problems[1].message()).isEqualTo("linux.cmd: missing required parameter 'cmd'");
    }

    @Test
    void aPushedRecipeWithAProblemIsRefusedWholeAndTheRunningOneKeepsRunning() {
        List<Long> refused = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        FakeExecutor[] fake = new FakeExecutor[1];
        AgentHarness h = new AgentHarness(b -> b
                .executor(new StateExecutor() {
                    @Override
                    public StateExecution start(StateRequest request, StateCallback callback) {
                        return fake[0].start(request, callback);
                    }

                    @Override
                    public List<String> check(RecipeState state) {
                        return state.module().equals("linux.bad") ? List.of("linux.bad: parameter 'x' is wrong") : List.of();
                    }
                })
                .listener(new RoundListener() {
                    @Override
                    public void recipeRejected(long version, List<RecipeCheck.Problem> problems) {
                        refused.add(version);
                        problems.forEach(p -> reasons.add(p.toString()));
                    }
                }));
        fake[0] = h.executor;
        h.receive(recipe(1, cmd("a"), cmd("b")));
        h.succeed("a");

        h.receive(recipe(2, cmd("x"), io.opsagent.fsm.testutil.Json.state("y", "linux.bad", new JsonObject())));

        assertThat(refused).containsExactly(2L);
        assertThat(reasons).containsExactly("state 2 (y, linux.bad): linux.bad: parameter 'x' is wrong");
        assertThat(h.agent.snapshot().recipeVersion()).isEqualTo(1);
        assertThat(h.executor.startedIds()).as("nothing of version 2 ran").containsExactly("a", "b");
        h.succeed("b");
        assertThat(h.logLines()).containsExactly("1:a:ok", "1:b:ok");
    }
}
