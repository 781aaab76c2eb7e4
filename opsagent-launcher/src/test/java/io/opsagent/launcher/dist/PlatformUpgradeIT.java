package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.launcher.testing.FileEvents;
import io.opsagent.launcher.testing.Processes;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host installed from the platform release, with no Java of its own, upgrades itself to
 * another platform release: the packaged {@code opsagent-<version>-linux-x64.tgz} runs as release
 * A and is published, signed by its own {@code release-sign}, as release B into a bucket on
 * loopback beside a plain {@code opsagent.tgz} of B (which could not start there). The agent runs
 * with only {@code PATH} set, to a folder without {@code java}, as the test plays the supervisor.
 */
class PlatformUpgradeIT {

    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final String PLATFORM_TGZ = "opsagent-linux-x64.tgz";

    @TempDir
    Path dir;

    private Path root;
    private Path tools;
    private final List<Process> started = new ArrayList<>();

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

    @Test
    void aPlatformReleaseUpgradesToThePlatformReleaseOfTheNewVersionAndRunsItWithoutJava() throws Exception {
        Path platform = Path.of(System.getProperty("opsagent.dist.platform.tarball",
                "target/opsagent-unknown-linux-x64.tgz")).toAbsolutePath();
        assumeTrue(Files.isRegularFile(platform),
                "no platform release: the build makes it only on Linux x86-64 (profile platform-linux-x64)");
        Path plain = Path.of(System.getProperty("opsagent.dist.tarball")).toAbsolutePath();
        String releaseA = System.getProperty("opsagent.version", "0.0.0");
        String releaseB = releaseA + "-b";
        tools = PlatformReleaseIT.toolsWithoutJava(dir.resolve("tools"));
        root = Files.createDirectories(dir.resolve("host"));

        // The release manager's side: the platform release's own commands, without a Java on PATH.
        Path dist = Files.createDirectories(dir.resolve("dist"));
        UpgradeIT.untar(platform, dist);
        Processes.Result keygen = withoutJava(dist.resolve("bin/opsagent").toString(), "release-keygen", "--out",
                dir.resolve("keys").toString());
        assertThat(keygen.exitCode()).as(keygen.toString()).isZero();
        String publicKey = UpgradeIT.match("(?m)^public_key = (\\S+)$", keygen.stdout());
        Path bucketDir = Files.createDirectories(dir.resolve("bucket"));
        publish(dist, platform, bucketDir.resolve(releaseB).resolve(PLATFORM_TGZ), releaseB);
        publish(dist, plain, bucketDir.resolve(releaseB).resolve("opsagent.tgz"), releaseB);

        // The host: release A as the bootstrap installs the platform release.
        Path installDir = root.resolve("opt/visualops");
        UpgradeIT.untar(platform, Files.createDirectories(installDir.resolve("releases").resolve(releaseA)));
        Files.createSymbolicLink(installDir.resolve("current"), Path.of("releases", releaseA));

        try (UpgradeIT.Bucket bucket = new UpgradeIT.Bucket(bucketDir);
                ReferenceBackend backend = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0)
                        .autoAck(true).build().start()) {
            writeConfig(backend, bucket, releaseA, publicKey);
            Process a = startCurrent(1);
            assertThat(backend.awaitHandshake(1, START).string("agent_version")).as(diagnostics(1))
                    .isEqualTo(releaseA);
            assertThat(javaOf(a)).as("release A runs on its own runtime")
                    .isEqualTo(installDir.resolve("releases").resolve(releaseA).resolve("runtime/bin/java").toRealPath());

            // when the backend orders B, the agent, idle, fetches the platform tarball, switches and exits with 75
            backend.orderUpgrade(releaseB, null);
            assertThat(a.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)).as(diagnostics(1)).isTrue();
            assertThat(a.exitValue()).as(diagnostics(1)).isEqualTo(75);
            assertThat(bucket.requests()).containsExactly(
                    "/releases/" + releaseB + "/" + PLATFORM_TGZ + ".sha256",
                    "/releases/" + releaseB + "/" + PLATFORM_TGZ + ".sig",
                    "/releases/" + releaseB + "/" + PLATFORM_TGZ);
            assertThat(Files.readSymbolicLink(installDir.resolve("current"))).isEqualTo(Path.of("releases", releaseB));
            assertThat(Files.readSymbolicLink(installDir.resolve("previous"))).isEqualTo(Path.of("releases", releaseA));
            assertThat(Files.isExecutable(installDir.resolve("releases").resolve(releaseB).resolve("runtime/bin/java")))
                    .isTrue();
            assertThat(agentLog()).contains("this host takes the platform release linux-x64")
                    .contains(PLATFORM_TGZ + " " + releaseB + " verified: ");

            // when the supervisor starts current/bin/opsagent again, still without Java, release B handshakes
            Process b = startCurrent(2);
            assertThat(backend.awaitHandshake(2, START).string("agent_version")).as(diagnostics(2))
                    .isEqualTo(releaseB);
            assertThat(javaOf(b)).as("release B runs on its own runtime")
                    .isEqualTo(installDir.resolve("releases").resolve(releaseB).resolve("runtime/bin/java").toRealPath());
            Path stateFile = root.resolve("var/lib/visualops/upgrade.json");
            JsonObject state = FileEvents.awaitInDirectory(stateFile.getParent(), () -> {
                try {
                    JsonObject json = JsonParser.parseString(Files.readString(stateFile)).getAsJsonObject();
                    return json.has("in_flight") ? null : json;
                } catch (NoSuchFileException e) {
                    return null;
                }
            }, STEP, "release " + releaseB + " confirmed in " + stateFile, () -> diagnostics(2));
            assertThat(state.get("last_good").getAsString()).isEqualTo(releaseB);
        }
    }

    /** What a supervisor does, with no Java to be found: start current/bin/opsagent run, in the background. */
    private Process startCurrent(int start) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(root.resolve("opt/visualops/current/bin/opsagent").toString(),
                "run", "--root", root.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("start-" + start + ".out").toFile());
        builder.environment().clear();
        builder.environment().put("PATH", tools.toString());
        Process process = builder.start();
        started.add(process);
        return process;
    }

    /** The executable of a running process: bin/opsagent execs the Java it picked. */
    private static Path javaOf(Process process) throws IOException {
        return Path.of("/proc", String.valueOf(process.pid()), "exe").toRealPath();
    }

    private void writeConfig(ReferenceBackend backend, UpgradeIT.Bucket bucket, String release, String publicKey)
            throws IOException {
        Path config = Files.createDirectories(root.resolve("etc")).resolve("opsagent.conf");
        Files.writeString(config, "[userdata]\n"
                + "ws_uri = " + backend.url() + "\n"
                + "app_id = app-platform-upgrade\n"
                + "version = " + release + "\n"
                + "base_remote = " + bucket.base() + "\n"
                + "[network]\n"
                + "instance_id = i-platform-upgrade-it\n"
                + "[executor]\n"
                + "kind = native\n"
                + "[upgrade]\n"
                + "public_key = " + publicKey + "\n");
    }

    private String agentLog() throws IOException {
        Path log = root.resolve("var/log/visualops/agent.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private String diagnostics(int starts) {
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

    /** Copies {@code tarball} to {@code target} and signs it there as {@code version}. */
    private Processes.Result publish(Path dist, Path tarball, Path target, String version) throws Exception {
        Files.createDirectories(target.getParent());
        Files.copy(tarball, target);
        Processes.Result sign = withoutJava(dist.resolve("bin/opsagent").toString(), "release-sign", "--version",
                version, "--key", dir.resolve("keys/opsagent-release.key").toString(), target.toString());
        assertThat(sign.exitCode()).as(sign.toString()).isZero();
        return sign;
    }

    private Processes.Result withoutJava(String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of("/usr/bin/env", "-i", "PATH=" + tools));
        line.addAll(List.of(command));
        return Processes.run(line, Map.of(), dir);
    }
}
