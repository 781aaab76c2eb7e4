package io.opsagent.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.host.InstanceLock;
import io.opsagent.launcher.testing.Processes;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher as a real process: one agent per root, SIGTERM stops it cleanly, cheap commands stay cheap. */
@Tag("slow")
class DaemonProcessTest {

    private static final long DEADLINE_SECONDS = 60;

    @TempDir
    Path root;

    private ProcessBuilder agent(String... args) {
        List<String> command = new ArrayList<>(List.of(Processes.java(), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                FakeAgentMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(new File("/dev/null"));
        Processes.cleanEnvironment(builder.environment());
        return builder;
    }

    private int status(ByteArrayOutputStream out) {
        return new Launcher(RecordingRuntimeHolder::none, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()), new FakeShutdownHooks(), Clock.systemUTC())
                .execute("status", "--root", root.toString());
    }

    @Test
    void oneAgentPerRootAndSigtermStopsItCleanly() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/opsagent.conf"),
                "[userdata]\nws_uri = ws://127.0.0.1:9/agent\napp_id = app-1\n[global]\nloglvl = DEBUG\n");
        Path stderr = root.resolve("first.err");
        Process first = agent("run", "--root", root.toString()).redirectError(stderr.toFile()).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
            String ready = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (line.startsWith("READY ")) {
                            return line;
                        }
                    }
                    return "EOF";
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            }).get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertThat(ready).as(Files.readString(stderr)).isEqualTo("READY " + first.pid());
            CompletableFuture.runAsync(() -> drain(lines));

            // A second agent on the same root is refused.
            Process second = agent("run", "--root", root.toString()).start();
            assertThat(second.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(second.exitValue()).isEqualTo(1);
            assertThat(new String(second.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("opsagent: another opsagent is already running: pid " + first.pid() + " holds "
                            + root.resolve("var/lib/visualops/opsagent.lock") + "; stop it first, or use another "
                            + "--root\n");

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(status(out)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("agent       running (pid " + first.pid() + ")\n")
                    .contains("connection  CONNECTING to ws://127.0.0.1:9/agent\n");

            first.destroy(); // SIGTERM
            assertThat(first.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).isEqualTo(143);
        } finally {
            first.destroyForcibly().waitFor();
        }

        String log = Files.readString(root.resolve("var/log/visualops/agent.log"));
        assertThat(log).contains("stop requested (SIGTERM or SIGINT); stopping the agent",
                "opsagent stopped on a signal; the process exits with 128 + its number (143 for SIGTERM");
        assertThat(log).as("the process exited 143").doesNotContain("exit code 0");
        assertThat(log).doesNotContain(Files.readString(root.resolve("etc/opsagent.token")));
        assertThat(InstanceLock.probe(root.resolve("var/lib/visualops/opsagent.lock")).state())
                .isEqualTo(InstanceLock.State.FREE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(status(out)).isEqualTo(ExitCodes.NOT_RUNNING);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("agent       not running\n");
    }

    @Test
    void versionAndStatusNeverLoadLog4j() throws Exception {
        for (String[] args : List.of(new String[] {"version"}, new String[] {"status", "--root", root.toString()})) {
            List<String> command = new ArrayList<>(List.of(Processes.java(), "-verbose:class", "-cp",
                    System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(List.of(args));

            Processes.Result r = Processes.run(command, Map.of(), root);

            assertThat(r.stdout()).contains("io.opsagent.launcher.Main")
                    .doesNotContain("org.apache.logging.log4j.core", "org.apache.logging.log4j.LogManager");
        }
    }

    private static void drain(BufferedReader lines) {
        try {
            while (lines.readLine() != null) {
                // The agent's console log; the test reads agent.log instead.
            }
        } catch (java.io.IOException e) {
            // The process is gone.
        }
    }

    /** The status command needs no runtime. */
    private static final class RecordingRuntimeHolder {
        static AgentRuntime none() {
            throw new AssertionError("status must not create a runtime");
        }
    }
}
