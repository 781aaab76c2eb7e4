package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.launcher.testing.PackagedAgents;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 of the packaged agent in the middle of a state: what the state started (in its
 * session, and even in a session of its own) is killed by the restarted agent before it runs the
 * state again, and the log and the state's StateLog say so.
 */
class LeftoverProcessesIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path release;

    @TempDir
    Path root;

    private Path work;
    private ReferenceBackend backend;
    private PackagedAgents packaged;
    private final String token = "300." + (100000 + ThreadLocalRandom.current().nextInt(900000));

    @BeforeAll
    static void unpack() throws Exception {
        PackagedAgents.unpack(release);
    }

    @BeforeEach
    void backendAndConfig() throws IOException {
        work = Files.createDirectories(root.resolve("work"));
        packaged = new PackagedAgents(release, root, "i-leftovers");
        backend = packaged.backend();
    }

    @AfterEach
    void stopEverything() throws Exception {
        Files.writeString(work.resolve("gate"), "");
        packaged.close();
        sleeps().forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void whatAStateLeftRunningAtAKillIsKilledBeforeTheStateRunsAgain() throws Exception {
        JsonObject p = new JsonObject();
        p.addProperty("cmd", "echo run >> a.runs; sleep " + token + " & setsid sleep " + token
                + " & while [ ! -e gate ]; do sleep 0.02; done");
        p.addProperty("cwd", work.toString());
        backend.setRecipeOnHandshake(Recipe.version(1).state("a", "linux.cmd", p).build());

        Process first = startAgent();
        await(() -> lines("a.runs") == 1 && sleeps().size() == 2, "state a to start both of its sleeps");
        // round.json is written shortly after a change: kill the agent once it holds the round
        await(() -> readQuietly(root.resolve("var/lib/visualops/round.json")).contains("echo run"),
                "round.json to hold the running round");
        List<Long> left = sleeps().stream().map(ProcessHandle::pid).toList();
        first.destroyForcibly();
        assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(left).as("a kill -9 of the JVM leaves the state's processes running").allMatch(LeftoverProcessesIT::running);

        startAgent();
        await(() -> lines("a.runs") == 2, "state a to run again");
        assertThat(left).as("the processes of the first run are gone").noneMatch(LeftoverProcessesIT::running);
        // The daemon logs through an asynchronous appender: its lines reach the file a moment later.
        Path logFile = root.resolve("var/log/visualops/agent.log");
        String killed = "that the previous run of the agent left running, before resuming";
        String resumed = "resuming recipe version 1 at state 1";
        await(() -> killedThenResumed(readQuietly(logFile), killed, resumed),
                "the log lines of the kill and of the round after it");
        String log = Files.readString(logFile);
        int killedAt = log.indexOf(killed);
        assertThat(killedAt).as("the log says what was killed").isPositive();
        assertThat(killedThenResumed(log, killed, resumed)).as("the round resumes after the kill").isTrue();
        assertThat(log.substring(log.lastIndexOf('\n', killedAt))).contains(left.stream().map(String::valueOf).toList());

        Files.writeString(work.resolve("gate"), "");
        StateLog a = backend.awaitStateLog("of state a", l -> "a".equals(l.id()), WAIT);
        assertThat(a.succeeded()).isTrue();
        assertThat(a.comment()).startsWith("killed ").contains("that this state left running when the agent stopped");
    }

    // ------------------------------------------------------------------ helpers

    /** The running (not zombie) sleeps of this test's token. */
    private List<ProcessHandle> sleeps() {
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().command().map(c -> c.endsWith("/sleep")).orElse(false))
                .filter(h -> h.info().arguments().map(a -> a.length == 1 && a[0].equals(token)).orElse(false))
                .filter(h -> running(h.pid()))
                .toList();
    }

    private static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    private Process startAgent() throws IOException {
        return packaged.start();
    }

    private long lines(String name) {
        try {
            return Files.readAllLines(work.resolve(name)).size();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether {@code log} says what was killed and, after that, that the round resumes. */
    private static boolean killedThenResumed(String log, String killed, String resumed) {
        int at = log.indexOf(killed);
        return at >= 0 && log.indexOf(resumed, at) > at;
    }

    private static String readQuietly(Path file) {
        return PackagedAgents.readQuietly(file);
    }

    private void await(BooleanSupplier condition, String what) {
        packaged.await(condition, what);
    }
}
