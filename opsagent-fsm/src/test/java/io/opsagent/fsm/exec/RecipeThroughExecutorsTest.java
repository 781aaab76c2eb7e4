package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.spi.StateExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipes of core modules through the round machine and each executor, down to the StateLogs. */
class RecipeThroughExecutorsTest {

    @TempDir
    Path tmp;

    private final List<StateLog> logs = new CopyOnWriteArrayList<>();

    private OpsAgent agent(StateExecutor executor) {
        OpsAgent agent = OpsAgent.builder()
                .identity(new AgentIdentity("i", "a", "v", "t"))
                .executor(executor)
                .sink(m -> {
                    if (m instanceof StateLog log) {
                        logs.add(log);
                    }
                })
                .roundInterval(Duration.ofHours(1))
                .build();
        agent.start();
        return agent;
    }

    private static RecipeState state(String id, String module, JsonObject parameter) {
        return io.opsagent.fsm.testutil.Json.state(id, module, parameter);
    }

    private static JsonObject params(String... keyValues) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < keyValues.length; i += 2) {
            o.addProperty(keyValues[i], keyValues[i + 1]);
        }
        return o;
    }

    @Test
    void nativeExecutorAppliesARecipeOfCoreModules() {
        Path site = tmp.resolve("site");
        JsonObject dir = new JsonObject();
        JsonArray paths = new JsonArray();
        paths.add(site.toString());
        dir.add("path", paths);
        OpsAgent agent = agent(new NativeExecutor());
        agent.receive(RecipeMetadata.of(3, List.of(
                state("note", "meta.comment", new JsonObject()),
                state("dir", "linux.dir", dir),
                state("file", "linux.file", params("path", site.resolve("index.html").toString(), "content", "hi\n")),
                state("link", "linux.symlink", params("source", site.resolve("index.html").toString(),
                        "target", site.resolve("home.html").toString())),
                state("check", "linux.cmd", params("cmd", "cat home.html", "cwd", site.toString())))));

        Await.until(() -> logs.size() == 5, "five StateLogs");
        agent.close();
        assertThat(logs).extracting(StateLog::id).containsExactly("note", "dir", "file", "link", "check");
        assertThat(logs).allMatch(StateLog::stateResult);
        assertThat(logs.get(2).stateComment()).contains(site.resolve("index.html").toString());
        assertThat(logs.get(4).stateStdout()).contains("hi");
        assertThat(Files.isSymbolicLink(site.resolve("home.html"))).isTrue();
    }

    @Test
    void saltExecutorReportsSaltsOwnCommentsThroughTheMachine() throws Exception {
        FakeSaltCall salt = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        OpsAgent agent = agent(new SaltCallExecutor(salt.script(), null, tmp.resolve("work"), SaltWorkerSettings.off()));
        agent.receive(RecipeMetadata.of(4, List.of(
                state("note", "meta.comment", new JsonObject()),
                state("page", "linux.file", params("path", "/tmp/fx/www/index.html", "content", "hi")))));

        Await.until(() -> logs.size() == 2, "two StateLogs");
        agent.close();
        assertThat(logs).extracting(StateLog::id).containsExactly("note", "page");
        assertThat(logs.get(1).stateResult()).isTrue();
        assertThat(logs.get(1).stateComment()).isEqualTo("Changes: /tmp/fx/www: directory new\nFile /tmp/fx/www/index.html updated\nChanges: new file, mode 0640\nCommand \"ls /tmp/fx/www\" run");
        assertThat(logs.get(1).recipeVersion()).isEqualTo(4);
    }
}
