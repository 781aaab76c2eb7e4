package io.opsagent.launcher.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.backend.ReferenceBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
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
import java.util.function.Supplier;

/**
 * The packaged agent ({@code bin/opsagent run} from the unpacked release tarball, the JVM with its
 * shipped options) under one root folder, with a {@link ReferenceBackend} on loopback and a
 * configuration that names the instance id (so no agent asks a metadata service), the native
 * executor, a quick reconnect and an hour between rounds. {@link #close()} stops every agent
 * started and the backend.
 */
public final class PackagedAgents implements AutoCloseable {

    /** How long a test waits for anything by default. */
    public static final Duration WAIT = Duration.ofSeconds(60);

    private final Path release;
    private final Path root;
    private final ReferenceBackend backend;
    private final List<Process> agents = new ArrayList<>();

    /** Unpacks the release tarball (system property {@code opsagent.dist.tarball}) into {@code release}. */
    public static void unpack(Path release) throws Exception {
        Path tarball = Path.of(System.getProperty("opsagent.dist.tarball", "target/opsagent-unknown.tgz"));
        assertThat(tarball).as("the release tarball (run 'mvn package')").isRegularFile();
        Processes.Result r = Processes.run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C",
                release.toString()), Map.of(), release);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    /** Starts a backend and writes {@code <root>/etc/opsagent.conf} for instance {@code instanceId}. */
    public PackagedAgents(Path release, Path root, String instanceId) throws IOException {
        this.release = release;
        this.root = root;
        this.backend = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0).autoAck(true)
                .build().start();
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/opsagent.conf"), String.join("\n",
                "[userdata]",
                "ws_uri = " + backend.url(),
                "app_id = app-1",
                "[network]",
                "instance_id = " + instanceId,
                "reconnect_initial = 100ms",
                "reconnect_max = 300ms",
                "[executor]",
                "kind = native",
                "[round]",
                "interval = 1h",
                ""));
    }

    public ReferenceBackend backend() {
        return backend;
    }

    /** The unpacked release. */
    public Path release() {
        return release;
    }

    /** Starts {@code bin/opsagent run --root <root>}; its output goes to {@code <root>/agent.out}. */
    public Process start() throws IOException {
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

    /** The agent's log file. */
    public Path logFile() {
        return root.resolve("var/log/visualops/agent.log");
    }

    /** A file of the state directory, e.g. {@code round.json}. */
    public Path stateFile(String name) {
        return root.resolve("var/lib/visualops").resolve(name);
    }

    /** Whether the agent's log holds {@code text} yet. */
    public boolean logContains(String text) {
        return readQuietly(logFile()).contains(text);
    }

    /** The file's text; empty when it cannot be read (yet). */
    public static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void await(BooleanSupplier condition, String what) {
        await(condition, WAIT, () -> what);
    }

    /**
     * Polls {@code condition} until it holds; fails with the backend's last frames and the agent's
     * output after the deadline, or at once when an agent exited with 3 (an OutOfMemoryError).
     */
    public void await(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what.get()
                        + "\n" + backend.describeRecent(15) + "\n--- agent output tail:\n" + tail());
            }
            if (agents.stream().anyMatch(p -> !p.isAlive() && p.exitValue() == 3)) {
                throw new AssertionError("the agent exited with 3 (OutOfMemoryError) while waiting for " + what.get()
                        + "\n--- agent output tail:\n" + tail());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** The last 40 lines of the agent's output and log. */
    public String tail() {
        try {
            List<String> all = new ArrayList<>(Files.readAllLines(root.resolve("agent.out")));
            if (Files.exists(logFile())) {
                all.addAll(Files.readAllLines(logFile()));
            }
            return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops every agent started (SIGTERM, then SIGKILL after 20 s) and the backend. */
    @Override
    public void close() throws InterruptedException {
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
}
