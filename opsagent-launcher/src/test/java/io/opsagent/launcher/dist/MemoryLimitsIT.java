package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.Processes;
import com.google.gson.JsonParser;
import com.google.gson.JsonObject;
import com.google.gson.JsonElement;
import io.opsagent.launcher.testing.PackagedAgents;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent ({@code bin/opsagent run}, with the JVM options it ships: {@code -Xmx64m
 * -XX:+ExitOnOutOfMemoryError}) against the largest and most hostile frames and recipes the
 * protocol allows: it accepts what is within the limits, refuses the rest with a log line, and in
 * every case stays up (no exit 3) and goes on serving the backend.
 */
class MemoryLimitsIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int LIMIT = 16 * 1024 * 1024;

    @TempDir
    static Path release;

    @TempDir
    Path root;

    private ReferenceBackend backend;
    private PackagedAgents packaged;

    @BeforeAll
    static void unpack() throws Exception {
        PackagedAgents.unpack(release);
    }

    @BeforeEach
    void backendAndConfig() throws IOException {
        packaged = new PackagedAgents(release, root, "i-memory-limits");
        backend = packaged.backend();
    }

    @AfterEach
    void stopEverything() throws Exception {
        packaged.close();
    }

    @Test
    void aFrameOfExactlyTheLimitIsAcceptedAndOneByteMoreIsRefused() throws Exception {
        backend.setRecipeOnHandshake(Recipe.version(1).comment("first", "small").build());
        Process agent = startAgent();
        backend.awaitStateLog("of the first recipe", log -> log.recipeVersion() == 1, WAIT);

        String exact = recipeFrame(2, 16, LIMIT);
        assertThat(exact.getBytes(StandardCharsets.UTF_8)).hasSize(LIMIT);
        backend.sendText(exact);
        List<StateLog> logs = backend.await("the 16 StateLogs of the 16 MiB recipe",
                () -> stateLogsOf(2).size() == 16 ? stateLogsOf(2) : null, WAIT);
        assertThat(logs).allMatch(StateLog::succeeded);

        backend.sendText(recipeFrame(3, 16, LIMIT + 1));
        await(() -> logFileContains("frame of " + (LIMIT + 1) + " bytes exceeds the limit of " + LIMIT + " bytes"),
                "the agent to refuse the frame of the limit + 1 byte");

        assertServesAfterwards(agent, 4);
        assertThat(stateLogsOf(3)).as("nothing of the refused recipe ran").isEmpty();
        JsonObject refused = refusedFrameInStatus();
        assertThat(refused.get("limit").getAsString()).isEqualTo("maxFrameBytes");
        assertThat(refused.get("seen").getAsLong()).isEqualTo(LIMIT + 1L);
        assertThat(refused.get("max").getAsLong()).isEqualTo(LIMIT);
        assertThat(refused.get("frame_type").getAsString()).isEqualTo("RecipeMetadata");
    }

    /** {@code last_refused_frame} as {@code opsagent status --json} shows it, once the status file has it. */
    private JsonObject refusedFrameInStatus() throws Exception {
        JsonObject[] refused = new JsonObject[1];
        await(() -> {
            try {
                Processes.Result r = Processes.run(List.of(packaged.release().resolve("bin/opsagent").toString(),
                        "status", "--json", "--root", root.toString()), Map.of("JAVA_HOME",
                        System.getProperty("java.home")), root);
                JsonElement status = JsonParser.parseString(r.stdout()).getAsJsonObject().get("status");
                JsonElement frame = status == null || status.isJsonNull() ? null
                        : status.getAsJsonObject().get("last_refused_frame");
                refused[0] = frame == null || frame.isJsonNull() ? null : frame.getAsJsonObject();
                return refused[0] != null;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "status --json to show the refused frame");
        return refused[0];
    }

    @Test
    void aRecipeOfAHundredThousandStatesIsRefusedAndThePreviousRecipeStaysLoaded() throws Exception {
        backend.setRecipeOnHandshake(Recipe.version(1).comment("first", "small").build());
        Process agent = startAgent();
        backend.awaitStateLog("of the first recipe", log -> log.recipeVersion() == 1, WAIT);

        StringBuilder frame = new StringBuilder("{\"code\":\"RecipeMetadata\",\"recipe_version\":2,\"state\":[");
        for (int i = 0; i < 100_000; i++) {
            frame.append(i == 0 ? "" : ",").append("{\"id\":\"state-").append(i)
                    .append("\",\"module\":\"meta.comment\",\"parameter\":{\"comment\":\"number ").append(i)
                    .append("\"}}");
        }
        backend.sendText(frame.append("]}").toString());
        await(() -> logFileContains("state: more than 10000 states"), "the agent to refuse 100,000 states");

        assertServesAfterwards(agent, 3);
        assertThat(stateLogsOf(2)).isEmpty();
    }

    @Test
    void aFrameNestedAMillionLevelsDeepIsRefused() throws Exception {
        backend.setRecipeOnHandshake(Recipe.version(1).comment("first", "small").build());
        Process agent = startAgent();
        backend.awaitStateLog("of the first recipe", log -> log.recipeVersion() == 1, WAIT);

        String open = "[".repeat(1_000_000);
        String close = "]".repeat(1_000_000);
        backend.sendText("{\"code\":\"RecipeMetadata\",\"recipe_version\":2,\"state\":[{\"id\":\"deep\","
                + "\"module\":\"meta.comment\",\"parameter\":{\"x\":" + open + close + "}}]}");
        await(() -> logFileContains("frame is nested deeper than 128 levels"), "the agent to refuse the nesting");

        assertServesAfterwards(agent, 3);
    }

    @Test
    void anEightMiBRecipeOfManySmallValuesIsKeptAcrossARestart() throws Exception {
        // 8,000 states, each with a parameter of 200 small numbers: about 8 MiB of JSON, 1.6 million values.
        StringBuilder frame = new StringBuilder("{\"code\":\"RecipeMetadata\",\"recipe_version\":1,\"state\":[");
        String numbers = String.join(",", java.util.Collections.nCopies(200, "1234"));
        for (int i = 0; i < 8_000; i++) {
            frame.append(i == 0 ? "" : ",").append("{\"id\":\"s-").append(i)
                    .append("\",\"module\":\"meta.comment\",\"parameter\":{\"comment\":\"c\",\"n\":[")
                    .append(numbers).append("]}}");
        }
        String big = frame.append("]}").toString();
        assertThat(big.length()).isBetween(8_000_000, 9_000_000);
        backend.setRecipeOnHandshake(Recipe.fromJson(big));
        Process first = startAgent();
        backend.await("the 8,000 StateLogs of the 8 MiB recipe",
                () -> stateLogsOf(1).size() == 8_000 ? Boolean.TRUE : null, WAIT);
        Path round = root.resolve("var/lib/visualops/round.json");
        await(() -> size(round) > 8_000_000, "round.json to hold the 8 MiB recipe");

        first.destroy();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        backend.setRecipeOnHandshake(null);
        Process second = startAgent();
        backend.awaitHandshake(2, WAIT);
        // where it resumes depends on where the first agent was stopped: in the round or between rounds
        await(() -> logFileContains("resuming recipe version 1 at state ") && logFileContains(" of 8000 "),
                "the restarted agent to load the stored recipe");
        assertThat(logFileContains("moved it to")).as("round.json was not moved aside").isFalse();

        assertServesAfterwards(second, 2);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * A RecipeMetadata frame of exactly {@code bytes} bytes with {@code states} comment states whose
     * comments share the space (each below the parameter limit).
     */
    private static String recipeFrame(long version, int states, int bytes) {
        String head = "{\"code\":\"RecipeMetadata\",\"recipe_version\":" + version + ",\"state\":[";
        String tail = "]}";
        List<String> prefixes = new ArrayList<>();
        int fixed = head.length() + tail.length() + (states - 1);
        for (int i = 0; i < states; i++) {
            String prefix = "{\"id\":\"big-" + i + "\",\"module\":\"meta.comment\",\"parameter\":{\"comment\":\"";
            prefixes.add(prefix);
            fixed += prefix.length() + "\"}}".length();
        }
        int free = bytes - fixed;
        StringBuilder frame = new StringBuilder(bytes).append(head);
        for (int i = 0; i < states; i++) {
            int share = free / states + (i < free % states ? 1 : 0);
            frame.append(i == 0 ? "" : ",").append(prefixes.get(i)).append("x".repeat(share)).append("\"}}");
        }
        return frame.append(tail).toString();
    }

    /** The agent is alive, and runs a small recipe pushed now. */
    private void assertServesAfterwards(Process agent, long version) {
        backend.pushRecipe(Recipe.version(version).comment("after", "still serving").build());
        StateLog log = backend.awaitStateLog("of the recipe pushed afterwards", l -> l.recipeVersion() == version,
                WAIT);
        assertThat(log.succeeded()).isTrue();
        assertThat(agent.isAlive()).as("the agent is still up (an OutOfMemoryError exits with 3)").isTrue();
    }

    private List<StateLog> stateLogsOf(long version) {
        return backend.stateLogs().stream().filter(l -> l.recipeVersion() == version).toList();
    }

    private Process startAgent() throws IOException {
        return packaged.start();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    private boolean logFileContains(String text) {
        return packaged.logContains(text);
    }

    private void await(BooleanSupplier condition, String what) {
        packaged.await(condition, WAIT, () -> what);
    }
}
