package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.Processes;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
    private final List<Process> agents = new ArrayList<>();

    @BeforeAll
    static void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("opsagent.dist.tarball", "target/opsagent-unknown.tgz"));
        assertThat(tarball).as("the release tarball (run 'mvn package')").isRegularFile();
        Processes.Result r = Processes.run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C",
                release.toString()), Map.of(), release);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @BeforeEach
    void backendAndConfig() throws IOException {
        backend = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0).autoAck(true).build()
                .start();
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/opsagent.conf"), String.join("\n",
                "[userdata]",
                "ws_uri = " + backend.url(),
                "app_id = app-1",
                "[network]",
                "instance_id = i-memory-limits",
                "reconnect_initial = 100ms",
                "reconnect_max = 300ms",
                "[executor]",
                "kind = native",
                "[round]",
                "interval = 1h",
                ""));
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process agent : agents) {
            if (agent.isAlive()) {
                agent.destroy();
                if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                    agent.destroyForcibly();
                }
            }
        }
        backend.close();
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
        ProcessBuilder builder = new ProcessBuilder(release.resolve("bin/opsagent").toString(), "run", "--root",
                root.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("agent.out").toFile()));
        Processes.cleanEnvironment(builder.environment());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("OPSAGENT_JAVA_OPTS", "-Dopsagent.metadata.disabled=true");
        Process agent = builder.start();
        agent.getOutputStream().close();
        agents.add(agent);
        return agent;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    private boolean logFileContains(String text) {
        try {
            return Files.readString(root.resolve("var/log/visualops/agent.log")).contains(text);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what
                        + "\n" + backend.describeRecent(10) + "\n--- agent output tail:\n" + tail());
            }
            boolean dead = agents.stream().anyMatch(p -> !p.isAlive() && p.exitValue() == 3);
            if (dead) {
                throw new AssertionError("the agent exited with 3 (OutOfMemoryError) while waiting for " + what
                        + "\n--- agent output tail:\n" + tail());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private String tail() {
        try {
            List<String> all = new ArrayList<>(Files.readAllLines(root.resolve("agent.out")));
            Path log = root.resolve("var/log/visualops/agent.log");
            if (Files.exists(log)) {
                all.addAll(Files.readAllLines(log));
            }
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
