package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opsagent.launcher.testing.FileEvents;
import io.opsagent.launcher.testing.Processes;
import io.opsagent.backend.ConnectionAttempt;
import io.opsagent.backend.ReceivedMessage;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-upgrade end to end, with real processes: the packaged release's own
 * {@code release-keygen} and {@code release-sign} publish releases into a bucket served over
 * HTTP on loopback; a host under a temporary root runs {@code current/bin/opsagent run} against
 * the conformance kit's reference backend; the test plays the supervisor and starts
 * {@code current/bin/opsagent} again whenever the agent exits.
 *
 * <p>Release A is the packaged tarball unpacked as {@code releases/<build version>}; release B is
 * the same tarball published under another version name. An agent reports the name of the
 * release directory its jar was loaded from ({@code UpgradeWiring.runningVersion} resolves the
 * real path of the running jar), so a Handshake that reports B proves that the JVM runs the jar
 * under {@code releases/B}, the one the upgrade unpacked and switched to.
 */
class UpgradeIT {

    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STEP = Duration.ofSeconds(30);

    @TempDir
    static Path shared;

    static Path tarball;
    static Path dist;
    static String releaseA;
    static String releaseB;
    static String releaseBadlySigned;
    static String publicKey;
    static String fingerprint;
    static Bucket bucket;

    @TempDir
    Path root;

    private final List<Process> started = new ArrayList<>();
    private int starts;

    @BeforeAll
    static void publishReleases() throws Exception {
        tarball = Path.of(System.getProperty("opsagent.dist.tarball", "target/opsagent-unknown.tgz")).toAbsolutePath();
        assertThat(tarball).as("the release tarball (run 'mvn package')").isRegularFile();
        releaseA = System.getProperty("opsagent.version", "0.0.0");
        releaseB = releaseA + "-b";
        releaseBadlySigned = releaseA + "-c";

        // The release manager's side, with the packaged release's own commands.
        dist = Files.createDirectories(shared.resolve("dist"));
        untar(tarball, dist);
        Processes.Result keygen = opsagent("release-keygen", "--out", shared.resolve("keys").toString());
        assertThat(keygen.exitCode()).as(keygen.toString()).isZero();
        publicKey = match("(?m)^public_key = (\\S+)$", keygen.stdout());
        fingerprint = match("(?m)^fingerprint: (SHA256:[0-9a-f]{16}) ", keygen.stdout());
        Processes.Result otherKeygen = opsagent("release-keygen", "--out", shared.resolve("other-keys").toString());
        assertThat(otherKeygen.exitCode()).as(otherKeygen.toString()).isZero();

        Path bucketDir = Files.createDirectories(shared.resolve("bucket"));
        publish(bucketDir, releaseB, shared.resolve("keys/opsagent-release.key"));
        // Checksum right, signature made with a key the agents do not trust.
        publish(bucketDir, releaseBadlySigned, shared.resolve("other-keys/opsagent-release.key"));
        bucket = new Bucket(bucketDir);
    }

    @AfterAll
    static void closeBucket() {
        if (bucket != null) {
            bucket.close();
        }
    }

    @AfterEach
    void stopAgents() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the tests

    @Test
    void anUpgradeOrderedDuringAWaitRunsWhenTheRoundEndsAndTheNextStartRunsTheNewRelease() throws Exception {
        installReleaseA();
        Path marker = root.resolve("after-the-wait.txt");
        try (ReferenceBackend backend = backend()) {
            writeConfig(backend, "");
            Process a = startCurrent();
            assertThat(backend.awaitHandshake(1, START).string("agent_version")).isEqualTo(releaseA);

            // given a round held at a wait state
            backend.pushRecipe(Recipe.version(1)
                    .comment("before", "runs before the wait")
                    .waitFor("gate")
                    .state("after", "linux.file", fileParameters(marker, "written after the wait\n"))
                    .build());
            awaitJson(statusFile(), s -> "WAITING_FOR_DONE".equals(string(s, "round_state")), "the round at the wait");

            // when the backend orders an upgrade, with the old protocol's WebSocket URI in url (ignored)
            int requestsBefore = bucket.requests().size();
            backend.orderUpgrade(releaseB, backend.url().toString());

            // then the order is recorded and held: the agent runs on, fetches nothing, switches nothing
            awaitJson(upgradeStateFile(), s -> s.has("pending")
                    && releaseB.equals(string(s.getAsJsonObject("pending"), "version")), "the pending order");
            assertThat(a.waitFor(2, TimeUnit.SECONDS)).as("the agent still runs 2 s after the order").isFalse();
            assertThat(bucket.requests()).hasSize(requestsBefore);
            assertThat(currentRelease()).isEqualTo(releaseA);
            assertThat(string(readJson(statusFile()), "round_state")).isEqualTo("WAITING_FOR_DONE");

            // when the wait is released, the round ends, and only then the upgrade runs
            backend.releaseWait(1, "gate");
            StateLog after = backend.awaitStateLog("of the state after the wait", l -> l.id().equals("after"), STEP);
            assertThat(after.succeeded()).as(after.toString()).isTrue();
            assertThat(Files.readString(marker)).isEqualTo("written after the wait\n");
            assertThat(a.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)).as(diagnostics()).isTrue();
            assertThat(a.exitValue()).as(diagnostics()).isEqualTo(75);

            assertThat(bucket.requests().subList(requestsBefore, bucket.requests().size())).containsExactlyInAnyOrder(
                    "/releases/" + releaseB + "/opsagent.tgz.sha256",
                    "/releases/" + releaseB + "/opsagent.tgz.sig",
                    "/releases/" + releaseB + "/opsagent.tgz");
            assertThat(currentRelease()).isEqualTo(releaseB);
            assertThat(Files.readSymbolicLink(installDir().resolve("previous"))).isEqualTo(Path.of("releases", releaseA));
            assertThat(installDir().resolve("releases/" + releaseB + "/lib/opsagent.jar")).isRegularFile();
            assertThat(Files.isExecutable(installDir().resolve("releases/" + releaseB + "/bin/opsagent"))).isTrue();
            assertThat(hiddenWorkDirectories()).isEmpty();
            assertThat(agentLog()).contains("opsagent.tgz " + releaseB + " verified: ")
                    .contains("release " + releaseB + " installed and current (previous: " + releaseA + ")");
            JsonObject inFlight = readJson(upgradeStateFile()).getAsJsonObject("in_flight");
            assertThat(string(inFlight, "version")).isEqualTo(releaseB);
            assertThat(string(inFlight, "previous")).isEqualTo(releaseA);

            // when the supervisor starts current/bin/opsagent again, release B handshakes and is confirmed
            startCurrent();
            assertThat(backend.awaitHandshake(2, START).string("agent_version")).isEqualTo(releaseB);
            JsonObject state = awaitJson(upgradeStateFile(), s -> !s.has("in_flight") && s.has("last_good"),
                    "release " + releaseB + " confirmed");
            assertThat(string(state, "last_good")).isEqualTo(releaseB);
            assertThat(state.has("pending")).isFalse();
            awaitLog("release " + releaseB + " confirmed: first Handshake sent");
        }
    }

    @Test
    void aHostThatWasStoppedWithAPendingOrderUpgradesAtBootBeforeItConnects() throws Exception {
        installReleaseA();
        try (ReferenceBackend backend = backend()) {
            writeConfig(backend, "");
            // The order came while the round ran, and the host was shut down before the round ended.
            Files.createDirectories(upgradeStateFile().getParent());
            Files.writeString(upgradeStateFile(), "{\"format\": 1, \"pending\": {\"version\": \"" + releaseB
                    + "\", \"url\": null, \"ordered_at\": \"2026-11-26T12:00:00Z\"}}\n");

            // At boot, release A carries the order out before it connects, and exits for the new release.
            Process a = startCurrent();
            assertThat(a.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)).as(diagnostics()).isTrue();
            assertThat(a.exitValue()).as(diagnostics()).isEqualTo(75);
            assertThat(backend.handshakes()).as("release A never connected").isEmpty();
            assertThat(currentRelease()).isEqualTo(releaseB);

            // The supervisor starts current: release B handshakes and is confirmed.
            startCurrent();
            assertThat(backend.awaitHandshake(1, START).string("agent_version")).isEqualTo(releaseB);
            JsonObject state = awaitJson(upgradeStateFile(), s -> !s.has("in_flight") && s.has("last_good"),
                    "release " + releaseB + " confirmed");
            assertThat(string(state, "last_good")).isEqualTo(releaseB);
            assertThat(state.has("pending")).isFalse();
        }
    }

    @Test
    void aReleaseSignedWithAnotherKeyIsRejectedAndTheAgentRunsOn() throws Exception {
        installReleaseA();
        try (ReferenceBackend backend = backend()) {
            backend.setRecipeOnHandshake(Recipe.version(1).comment("hello", "a recipe is loaded").build());
            writeConfig(backend, "");
            Process a = startCurrent();
            assertThat(backend.awaitHandshake(1, START).string("agent_version")).isEqualTo(releaseA);
            backend.awaitStateLog("of the comment", l -> l.id().equals("hello"), STEP);

            backend.orderUpgrade(releaseBadlySigned, null);

            StateLog report = backend.awaitStateLog("reporting the failed upgrade",
                    l -> l.id().equals("agent-upgrade:" + releaseBadlySigned), STEP);
            assertThat(report.succeeded()).isFalse();
            assertThat(report.comment()).isEqualTo("upgrade to " + releaseBadlySigned + " failed: signature of "
                    + "opsagent.tgz " + releaseBadlySigned + " does not verify with the configured key (" + fingerprint
                    + ") (failure 1 of 3)");
            assertThat(a.isAlive()).as(diagnostics()).isTrue();
            assertThat(currentRelease()).isEqualTo(releaseA);
            assertThat(installDir().resolve("previous")).doesNotExist();
            try (Stream<Path> releases = Files.list(installDir().resolve("releases"))) {
                assertThat(releases.map(p -> p.getFileName().toString())).containsExactly(releaseA);
            }
            JsonObject state = readJson(upgradeStateFile());
            assertThat(state.has("pending")).isFalse();
            assertThat(state.has("in_flight")).isFalse();
            assertThat(state.getAsJsonObject("failures").getAsJsonObject(releaseBadlySigned).get("count").getAsInt())
                    .isEqualTo(1);

            // and it goes on serving the backend with the release it has
            backend.sendTest();
            ReceivedMessage answer = backend.awaitMessage("the answer to Test", m -> "Test".equals(m.code()), STEP);
            assertThat(answer.string("agent_version")).isEqualTo(releaseA);
            assertThat(a.isAlive()).isTrue();
        }
    }

    @Test
    void aNewReleaseThatNeverHandshakesIsRolledBackAndTheNextStartRunsTheOldOne() throws Exception {
        installReleaseA();
        try (ReferenceBackend backend = backend()) {
            backend.setRecipeOnHandshake(Recipe.version(1).comment("hello", "a recipe is loaded").build());
            writeConfig(backend, "[upgrade]\nhandshake_deadline = 3s\n");
            Process a = startCurrent();
            assertThat(backend.awaitHandshake(1, START).string("agent_version")).isEqualTo(releaseA);
            backend.awaitStateLog("of the comment", l -> l.id().equals("hello"), STEP);

            // Outside a round, the upgrade runs at once.
            backend.orderUpgrade(releaseB, null);
            assertThat(a.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)).as(diagnostics()).isTrue();
            assertThat(a.exitValue()).as(diagnostics()).isEqualTo(75);
            assertThat(currentRelease()).isEqualTo(releaseB);

            // Release B cannot reach the backend, so it never sends its first Handshake.
            backend.setRefuseConnections(true);
            int attemptsBefore = backend.connectionAttempts().size();
            Process b = startCurrent();
            assertThat(b.waitFor(START.toSeconds(), TimeUnit.SECONDS)).as(diagnostics()).isTrue();
            assertThat(b.exitValue()).as(diagnostics()).isEqualTo(75);

            List<ConnectionAttempt> attempts = backend.connectionAttempts();
            assertThat(attempts.subList(attemptsBefore, attempts.size())).isNotEmpty().noneMatch(ConnectionAttempt::accepted);
            assertThat(backend.handshakes()).hasSize(1);
            assertThat(currentRelease()).isEqualTo(releaseA);
            assertThat(installDir().resolve("previous")).doesNotExist();
            JsonObject state = readJson(upgradeStateFile());
            assertThat(state.has("in_flight")).isFalse();
            JsonObject failures = state.getAsJsonObject("failures").getAsJsonObject(releaseB);
            assertThat(failures.get("count").getAsInt()).isEqualTo(1);
            assertThat(string(failures, "last_reason"))
                    .startsWith("release " + releaseB + " did not send its first Handshake within 3 s of its first start");
            assertThat(agentLog()).contains("rolled back to release " + releaseA);

            // The supervisor starts current/bin/opsagent again: release A.
            backend.setRefuseConnections(false);
            startCurrent();
            assertThat(backend.awaitHandshake(2, START).string("agent_version")).isEqualTo(releaseA);
            // ...which tells the backend why release B is gone, after its Handshake.
            StateLog report = backend.awaitStateLog("reporting the rollback",
                    l -> l.id().equals("agent-upgrade:" + releaseB), STEP);
            assertThat(report.succeeded()).isFalse();
            assertThat(report.comment()).startsWith("upgrade to " + releaseB + " failed: release " + releaseB
                    + " did not send its first Handshake within 3 s of its first start")
                    .contains("rolled back to release " + releaseA);
            assertThat(backend.received("StateLog").stream().filter(m -> m.string("id").startsWith("agent-upgrade:")))
                    .as("reported once").hasSize(1);
        }
    }

    // ---------------------------------------------------------------- the host

    private Path installDir() {
        return root.resolve("opt/visualops");
    }

    private Path statusFile() {
        return root.resolve("var/lib/visualops/status.json");
    }

    private Path upgradeStateFile() {
        return root.resolve("var/lib/visualops/upgrade.json");
    }

    /** Release A as the bootstrap installs it: unpacked into releases/A, with current pointing at it. */
    private void installReleaseA() throws Exception {
        Path release = Files.createDirectories(installDir().resolve("releases").resolve(releaseA));
        untar(tarball, release);
        Files.createSymbolicLink(installDir().resolve("current"), Path.of("releases", releaseA));
    }

    /** A configuration as the bootstrap writes it, plus the upgrade key; instance_id is set, so no metadata service is asked. */
    private void writeConfig(ReferenceBackend backend, String extra) throws IOException {
        Path config = Files.createDirectories(root.resolve("etc")).resolve("opsagent.conf");
        Files.writeString(config, "[userdata]\n"
                + "ws_uri = " + backend.url() + "\n"
                + "app_id = app-upgrade\n"
                + "version = " + releaseA + "\n"
                + "base_remote = " + bucket.base() + "\n"
                + "[network]\n"
                + "instance_id = i-upgrade-it\n"
                + "[executor]\n"
                + "kind = native\n"
                + "[upgrade]\n"
                + "public_key = " + publicKey + "\n"
                + extra);
    }

    private String currentRelease() throws IOException {
        Path target = Files.readSymbolicLink(installDir().resolve("current"));
        assertThat(target.getParent()).isEqualTo(Path.of("releases"));
        return target.getFileName().toString();
    }

    private List<String> hiddenWorkDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(installDir().resolve("releases"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }

    /** What a supervisor does: start current/bin/opsagent run, in the background. */
    private Process startCurrent() throws IOException {
        starts++;
        ProcessBuilder builder = new ProcessBuilder(installDir().resolve("current/bin/opsagent").toString(), "run",
                "--root", root.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("start-" + starts + ".out").toFile());
        Processes.cleanEnvironment(builder.environment());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private String agentLog() throws IOException {
        Path log = root.resolve("var/log/visualops/agent.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The agent's log and what each start printed, for assertion messages. */
    private String diagnostics() {
        StringBuilder b = new StringBuilder();
        try {
            for (int i = 1; i <= starts; i++) {
                b.append("--- start ").append(i).append(" output\n")
                        .append(Files.readString(root.resolve("start-" + i + ".out")));
            }
            b.append("--- agent.log\n").append(agentLog());
        } catch (IOException e) {
            b.append(e);
        }
        return b.toString();
    }

    private ReferenceBackend backend() throws IOException {
        return ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0).autoAck(true).build().start();
    }

    // ---------------------------------------------------------------- files

    /** Waits until the JSON file (replaced by a rename whenever it changes) satisfies {@code test}, and returns it. */
    private JsonObject awaitJson(Path file, Predicate<JsonObject> test, String what) throws Exception {
        return awaitInDirectory(file.getParent(), () -> {
            try {
                JsonObject json = readJson(file);
                return test.test(json) ? json : null;
            } catch (NoSuchFileException e) {
                return null;
            }
        }, what + " in " + file);
    }

    /** Waits until the agent's log holds {@code text}: a log line comes after the change it reports. */
    private void awaitLog(String text) throws Exception {
        awaitInDirectory(root.resolve("var/log/visualops"), () -> agentLog().contains(text) ? text : null,
                "'" + text + "' in agent.log");
    }

    /** Returns the first non-null value of {@code probe}, tried again whenever something in {@code dir} changes. */
    private <T> T awaitInDirectory(Path dir, FileEvents.Probe<T> probe, String what) throws Exception {
        return FileEvents.awaitInDirectory(dir, probe, STEP, what, this::diagnostics);
    }

    private static JsonObject readJson(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static String string(JsonObject o, String member) {
        JsonElement e = o.get(member);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static JsonObject fileParameters(Path path, String content) {
        JsonObject p = new JsonObject();
        p.addProperty("path", path.toString());
        p.addProperty("content", content);
        return p;
    }

    // ---------------------------------------------------------------- publishing

    private static Processes.Result opsagent(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(dist.resolve("bin/opsagent").toString());
        command.addAll(List.of(args));
        return Processes.run(command, Map.of("JAVA_HOME", System.getProperty("java.home")), shared);
    }

    /** Uploads the tarball as {@code <bucket>/<version>/opsagent.tgz} and signs it there with {@code key}. */
    private static void publish(Path bucketDir, String version, Path key) throws Exception {
        Path tgz = Files.createDirectories(bucketDir.resolve(version)).resolve("opsagent.tgz");
        Files.copy(tarball, tgz);
        Processes.Result sign = opsagent("release-sign", "--version", version, "--key", key.toString(),
                tgz.toString());
        assertThat(sign.exitCode()).as(sign.toString()).isZero();
        assertThat(sign.stdout()).contains("wrote " + tgz + ".sha256\n", "wrote " + tgz + ".sig\n");
    }

    static void untar(Path archive, Path into) throws Exception {
        Processes.Result r = Processes.run(List.of("tar", "-xzf", archive.toString(), "-C", into.toString()), Map.of(),
                into);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    static String match(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex + " in:\n" + text).isTrue();
        return m.group(1);
    }

    /** The release bucket: files under {@code /releases/} on loopback, every request path recorded. */
    static final class Bucket implements AutoCloseable {
        private final Path dir;
        private final HttpServer server;
        private final ExecutorService threads = Executors.newFixedThreadPool(4);
        private final List<String> requests = new CopyOnWriteArrayList<>();

        Bucket(Path dir) {
            this.dir = dir;
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext("/releases/", this::serve);
            server.setExecutor(threads);
            server.start();
        }

        URI base() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/releases");
        }

        List<String> requests() {
            return List.copyOf(requests);
        }

        private void serve(HttpExchange exchange) throws IOException {
            String path = exchange.getRequestURI().getPath();
            requests.add(path);
            try (exchange) {
                Path file = dir.resolve(path.substring("/releases/".length())).normalize();
                if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, Files.size(file));
                try (OutputStream out = exchange.getResponseBody()) {
                    Files.copy(file, out);
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }

}
