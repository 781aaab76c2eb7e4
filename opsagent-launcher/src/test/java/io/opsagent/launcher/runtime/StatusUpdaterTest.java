package io.opsagent.launcher.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.AgentSnapshot;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testing.ManualEventLoop;
import io.opsagent.launcher.status.AgentStatus;
import io.opsagent.launcher.status.StatusFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the running agent writes to status.json, from a real agent on a manual loop. */
class StatusUpdaterTest {

    private static final Instant NOW = Instant.parse("2026-11-26T16:40:00Z");

    @TempDir
    Path dir;

    @Test
    void anIdleAgentShowsWhenItsNextRoundStarts() throws IOException {
        ManualEventLoop loop = new ManualEventLoop();
        OpsAgent agent = OpsAgent.builder()
                .identity(new AgentIdentity("i", "a", "v", "t"))
                .executor((request, callback) -> {
                    callback.completed(StateResult.unchanged("fine"));
                    return StateExecution.NONE;
                })
                .eventLoop(loop)
                .sink(message -> { })
                .roundInterval(Duration.ofMinutes(10))
                .build();
        agent.start();
        agent.receive(new RecipeMetadata(1, Optional.empty(),
                Optional.of(List.of(TestStates.state("a", "linux.cmd", new JsonObject())))));
        loop.runUntilIdle();
        assertThat(agent.snapshot().state()).isEqualTo(RoundState.IDLE);
        loop.advance(Duration.ofMinutes(3));

        StatusFile file = new StatusFile(dir.resolve("status.json"));
        try (StatusUpdater updater = new StatusUpdater(file, "1.0", "ws://127.0.0.1:9/", Clock.fixed(NOW, ZoneOffset.UTC))) {
            updater.start(agent);
            updater.writeNow();
        }
        agent.close();
        loop.runUntilIdle();

        JsonObject status = JsonParser.parseString(Files.readString(file.file())).getAsJsonObject();
        assertThat(status.get("round_state").getAsString()).isEqualTo("IDLE");
        assertThat(status.get("next_round_at").getAsString()).isEqualTo(NOW.plus(Duration.ofMinutes(7)).toString());
        assertThat(status.get("next_reconnect_at").isJsonNull()).as("no connection").isTrue();
    }

    @Test
    void theRunningStateShowsWhenItStarted() throws IOException {
        ManualEventLoop loop = new ManualEventLoop();
        String written;
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        try (StatusUpdater updater = new StatusUpdater(file, "1.0", null, Clock.fixed(NOW, ZoneOffset.UTC))) {
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i", "a", "v", "t"))
                    .executor((request, callback) -> StateExecution.NONE)
                    .eventLoop(loop)
                    .sink(message -> { })
                    .listener(updater)
                    .build();
            agent.start();
            updater.start(agent);
            agent.receive(new RecipeMetadata(1, Optional.empty(),
                    Optional.of(List.of(TestStates.state("slow", "linux.cmd", new JsonObject())))));
            loop.runUntilIdle();
            updater.writeNow();
            written = Files.readString(file.file());
            agent.close();
            loop.runUntilIdle();
        }

        JsonObject current = JsonParser.parseString(written).getAsJsonObject().getAsJsonObject("current_state");
        assertThat(current.get("id").getAsString()).isEqualTo("slow");
        assertThat(current.get("started_at").getAsString()).isEqualTo(NOW.toString());
    }

    @Test
    void aWaitStateShowsWhatItWaitsForAndSinceWhen() throws IOException {
        ManualEventLoop loop = new ManualEventLoop();
        String written;
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        try (StatusUpdater updater = new StatusUpdater(file, "1.0", null, Clock.fixed(NOW, ZoneOffset.UTC))) {
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i", "a", "v", "t"))
                    .executor((request, callback) -> {
                        callback.completed(StateResult.unchanged("fine"));
                        return StateExecution.NONE;
                    })
                    .eventLoop(loop)
                    .sink(message -> { })
                    .listener(updater)
                    .build();
            agent.start();
            updater.start(agent);
            agent.receive(new RecipeMetadata(1, Optional.empty(), Optional.of(List.of(
                    TestStates.state("conf", "linux.file", new JsonObject()),
                    TestStates.state("wait-db", RecipeState.WAIT_MODULE,
                            JsonParser.parseString("{\"state\": [\"@{db.state.1}\"]}").getAsJsonObject())))));
            loop.runUntilIdle();
            assertThat(agent.snapshot().state()).isEqualTo(RoundState.WAITING_FOR_DONE);
            updater.writeNow();
            written = Files.readString(file.file());
            agent.close();
            loop.runUntilIdle();
        }

        JsonObject current = JsonParser.parseString(written).getAsJsonObject().getAsJsonObject("current_state");
        assertThat(current.get("id").getAsString()).isEqualTo("wait-db");
        assertThat(current.get("started_at").getAsString()).isEqualTo(NOW.toString());
        assertThat(current.getAsJsonArray("waiting_for")).containsExactly(new com.google.gson.JsonPrimitive("@{db.state.1}"));
    }

    @Test
    void theRunningStateIsNoWaitState() throws IOException {
        ManualEventLoop loop = new ManualEventLoop();
        String written;
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        try (StatusUpdater updater = new StatusUpdater(file, "1.0", null, Clock.fixed(NOW, ZoneOffset.UTC))) {
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i", "a", "v", "t"))
                    .executor((request, callback) -> StateExecution.NONE)
                    .eventLoop(loop)
                    .sink(message -> { })
                    .listener(updater)
                    .build();
            agent.start();
            updater.start(agent);
            agent.receive(new RecipeMetadata(1, Optional.empty(),
                    Optional.of(List.of(TestStates.state("slow", "linux.cmd", new JsonObject())))));
            loop.runUntilIdle();
            updater.writeNow();
            written = Files.readString(file.file());
            agent.close();
            loop.runUntilIdle();
        }

        JsonObject current = JsonParser.parseString(written).getAsJsonObject().getAsJsonObject("current_state");
        assertThat(current.get("waiting_for").isJsonNull()).isTrue();
    }

    @Test
    void aRecipeRefusedForAProblemIsShownWithItsReasonWhileTheLoadedOneStays() throws IOException {
        ManualEventLoop loop = new ManualEventLoop();
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        try (StatusUpdater updater = new StatusUpdater(file, "1.0", null, Clock.fixed(NOW, ZoneOffset.UTC))) {
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i", "a", "v", "t"))
                    .executor(new io.opsagent.fsm.exec.NativeExecutor())
                    .eventLoop(loop)
                    .sink(message -> { })
                    .listener(updater)
                    .build();
            agent.start();
            updater.start(agent);
            JsonObject timeout = JsonParser.parseString("{\"cmd\": \"true\", \"timeout\": \"soon\"}").getAsJsonObject();
            agent.receive(new RecipeMetadata(5, Optional.empty(),
                    Optional.of(List.of(TestStates.state("soon", "linux.cmd", timeout)))));
            loop.runUntilIdle();
            updater.writeNow();
            agent.close();
            loop.runUntilIdle();
        }

        JsonObject status = JsonParser.parseString(Files.readString(file.file())).getAsJsonObject();
        JsonObject rejected = status.getAsJsonObject("last_rejected_recipe");
        assertThat(rejected.get("recipe_version").getAsLong()).isEqualTo(5);
        assertThat(rejected.get("reason").getAsString())
                .isEqualTo("state 1 (soon, linux.cmd): linux.cmd: parameter 'timeout' must be a whole number, got string"
                        + " \"soon\"");
        assertThat(rejected.get("at").getAsString()).isEqualTo(NOW.toString());
        assertThat(status.get("recipe_version").isJsonNull()).as("nothing of it was loaded").isTrue();
    }

    @Test
    void aFrameRefusedForALimitIsShownWithTheLimitWhatWasSeenAndItsType() throws IOException {
        ManualEventLoop loop = new ManualEventLoop();
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        String oversized = "{\"code\":\"RecipeMetadata\",\"recipe_version\":2,\"pad\":\"" + "x".repeat(200) + "\"}";
        try (StatusUpdater updater = new StatusUpdater(file, "1.0", null, Clock.fixed(NOW, ZoneOffset.UTC))) {
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i", "a", "v", "t"))
                    .executor((request, callback) -> StateExecution.NONE)
                    .eventLoop(loop)
                    .sink(message -> { })
                    .codec(new io.opsagent.fsm.protocol.ProtocolCodec(100))
                    .listener(updater)
                    .build();
            agent.start();
            updater.start(agent);
            assertThat(agent.receiveFrame(oversized)).isFalse();
            loop.runUntilIdle();
            updater.writeNow();
            agent.close();
            loop.runUntilIdle();
        }

        JsonObject status = JsonParser.parseString(Files.readString(file.file())).getAsJsonObject();
        JsonObject refused = status.getAsJsonObject("last_refused_frame");
        assertThat(refused).as("status.json has last_refused_frame").isNotNull();
        assertThat(refused.get("limit").getAsString()).isEqualTo("maxFrameBytes");
        assertThat(refused.get("seen").getAsLong()).isEqualTo(oversized.length());
        assertThat(refused.get("max").getAsLong()).isEqualTo(100);
        assertThat(refused.get("frame_type").getAsString()).isEqualTo("RecipeMetadata");
        assertThat(refused.get("reason").getAsString())
                .isEqualTo("frame of " + oversized.length() + " bytes exceeds the limit of 100 bytes");
        assertThat(refused.get("at").getAsString()).isEqualTo(NOW.toString());
        assertThat(file.read().orElseThrow().lastRefusedFrame().limit()).as("read back").isEqualTo("maxFrameBytes");
    }

    @Test
    void eachDroppedInputCounterOfTheSnapshotGoesToItsOwnFieldOfTheStatus() {
        AgentSnapshot s = new AgentSnapshot(RoundState.IDLE, 0, 0, 0, null, null, 1, 0, 0, null,
                1, 2, 3, 4, 5, 6, 7, 8);

        assertThat(StatusUpdater.dropped(s)).isEqualTo(new AgentStatus.DroppedInputs(1, 2, 3, 4, 5, 6, 7, 8));
    }
}
