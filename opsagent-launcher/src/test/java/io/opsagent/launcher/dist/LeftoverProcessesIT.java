package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.launcher.testing.Processes;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
    private final List<Process> agents = new ArrayList<>();
    private final String token = "300." + (100000 + ThreadLocalRandom.current().nextInt(900000));

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
        work = Files.createDirectories(root.resolve("work"));
        backend = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0).autoAck(true).build()
                .start();
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/opsagent.conf"), String.join("\n",
                "[userdata]",
                "ws_uri = " + backend.url(),
                "app_id = app-1",
                "[network]",
                "instance_id = i-leftovers",
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
        Files.writeString(work.resolve("gate"), "");
        for (Process agent : agents) {
            if (agent.isAlive()) {
                agent.destroy();
                if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                    agent.destroyForcibly();
                }
            }
        }
        sleeps().forEach(ProcessHandle::destroyForcibly);
        backend.close();
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
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what
                        + "\n" + backend.describeRecent(10));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
