package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.Processes;
import com.google.gson.JsonObject;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged release: target/opsagent-<version>.tgz and target/opsagent.jar, as a user gets them. */
class DistributionIT {

    static Path tarball;
    static String version;

    @TempDir
    static Path release;

    @BeforeAll
    static void unpack() throws Exception {
        tarball = Path.of(System.getProperty("opsagent.dist.tarball", "target/opsagent-unknown.tgz"));
        version = System.getProperty("opsagent.version");
        assertThat(tarball).as("the release tarball (run 'mvn package')").isRegularFile();
        Processes.Result r = Processes.run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C",
                release.toString()), Map.of(), release);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @Test
    void theTarballHoldsTheReleaseWithItsModesAndNoTopDirectory() throws Exception {
        Processes.Result r = Processes.run(List.of("tar", "-tvzf", tarball.toAbsolutePath().toString()), Map.of(),
                release);

        Map<String, String> modes = r.stdout().lines()
                .map(l -> l.split("\\s+"))
                .collect(Collectors.toMap(f -> f[f.length - 1], f -> f[0]));
        assertThat(modes).containsEntry("bin/opsagent", "-rwxr-xr-x")
                .containsEntry("lib/opsagent.jar", "-rw-r--r--")
                .containsEntry("lib/compile-commands", "-rw-r--r--")
                .containsEntry("lib/opsagent-salt-worker.py", "-rw-r--r--")
                .containsEntry("scripts/userdata.sh", "-rwxr-xr-x")
                .containsEntry("scripts/opsagent-cron.sh", "-rwxr-xr-x")
                .containsEntry("scripts/opsagent.service", "-rw-r--r--")
                .containsEntry("config/opsagent.conf", "-rw-r--r--")
                .containsEntry("config/log4j2.xml", "-rw-r--r--")
                .containsKey("config/examples/");
        assertThat(modes.keySet()).allMatch(name -> !name.startsWith("/") && !name.startsWith("./")
                && !name.contains(".."));
        assertThat(modes.values()).allMatch(m -> m.startsWith("-") || m.startsWith("d"));
        assertThat(modes).doesNotContainKey("config/opsagent.service");
    }

    @Test
    void theJarIsRunnableMultiReleaseAndUnsigned() throws IOException {
        try (JarFile jar = new JarFile(release.resolve("lib/opsagent.jar").toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertThat(main.getValue("Main-Class")).isEqualTo("io.opsagent.launcher.Main");
            assertThat(main.getValue("Multi-Release")).isEqualTo("true");
            assertThat(main.getValue("Implementation-Version")).isEqualTo(version);
            List<String> names = Collections.list(jar.entries()).stream().map(JarEntry::getName).toList();
            assertThat(names).noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA)"))
                    .doesNotContain("module-info.class")
                    .noneMatch(n -> n.matches("META-INF/versions/\\d+/module-info\\.class"))
                    .contains("META-INF/org/apache/logging/log4j/core/config/plugins/Log4j2Plugins.dat",
                            "META-INF/services/org.apache.logging.log4j.spi.Provider",
                            "io/opsagent/fsm/salt/opsagent-salt-worker.py");
        }
        assertThat(Files.readAllBytes(release.resolve("lib/opsagent.jar")))
                .isEqualTo(Files.readAllBytes(tarball.resolveSibling("opsagent.jar")));
    }

    @Test
    void binOpsagentRunsTheRelease() throws Exception {
        Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"));

        Processes.Result version = Processes.run(List.of(release.resolve("bin/opsagent").toString(), "version"), env,
                release);
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.stdout()).startsWith("opsagent " + DistributionIT.version + "\n");

        Processes.Result usage = Processes.run(List.of(release.resolve("bin/opsagent").toString()), env, release);
        assertThat(usage.exitCode()).isEqualTo(1);
        assertThat(usage.stderr()).startsWith("opsagent: no command given\n\nUsage: opsagent <command>");
    }

    /** Every Java of this host: the release starts on 17 and on newer ones with their own options. */
    @Test
    void binOpsagentStartsOnEveryJavaOfThisHost() throws Exception {
        List<Path> javas;
        try (java.util.stream.Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
            javas = homes.filter(home -> Files.isExecutable(home.resolve("bin/java")))
                    .filter(home -> Files.isRegularFile(home.resolve("release")))
                    .toList();
        } catch (IOException e) {
            javas = List.of();
        }
        javas = new java.util.ArrayList<>(javas);
        javas.add(Path.of(System.getProperty("java.home")));
        assertThat(javas.stream().map(Path::toString)).anyMatch(home -> home.contains("17"));
        for (Path home : javas) {
            Processes.Result version = Processes.run(List.of(release.resolve("bin/opsagent").toString(), "version"),
                    Map.of("JAVA_HOME", home.toString()), release);
            assertThat(version.exitCode()).as(home + ": " + version).isZero();
            assertThat(version.stdout()).as(home.toString()).startsWith("opsagent " + DistributionIT.version + "\n");
        }
    }

    @Test
    void runHandshakesWithALoopbackBackendAppliesPushedRecipesAndStopsCleanlyOnSigterm(@TempDir Path root)
            throws Exception {
        Path marker = root.resolve("pushed.txt");
        Recipe recipe = Recipe.version(4)
                .comment("hello", "pushed by the test")
                .state("marker", "linux.file", fileParameters(marker, "applied by opsagent run\n"))
                .build();
        try (ReferenceBackend backend = ReferenceBackend.builder()
                .host(InetAddress.getLoopbackAddress())
                .port(0)
                .autoAck(true)
                .recipeOnHandshake(recipe)
                .build()
                .start()) {
            Files.createDirectories(root.resolve("etc"));
            Files.copy(release.resolve("config/opsagent.conf"), root.resolve("etc/opsagent.conf"));
            // instance_id is set, so the agent never asks the cloud metadata service.
            Files.writeString(root.resolve("etc/opsagent.conf"), "\n[userdata]\nws_uri = " + backend.url()
                    + "\napp_id = app-1\n[network]\ninstance_id = i-dist-test\n[executor]\nkind = native\n",
                    java.nio.file.StandardOpenOption.APPEND);

            Process agent = new ProcessBuilder(release.resolve("bin/opsagent").toString(), "run", "--root",
                    root.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(root.resolve("agent.out").toFile())
                    .start();
            agent.getOutputStream().close();
            Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"));
            env = new java.util.HashMap<>(env);
            try {
                backend.awaitStateLogs(2, Duration.ofSeconds(60));
                JsonObject handshake = backend.handshakes().get(0).json();
                assertThat(handshake.get("instance_id").getAsString()).isEqualTo("i-dist-test");
                assertThat(handshake.get("app_id").getAsString()).isEqualTo("app-1");
                assertThat(handshake.get("agent_version").getAsString()).isEqualTo(version);
                assertThat(handshake.get("instance_token").getAsString()).isNotEmpty();
                assertThat(backend.stateLogs()).extracting(StateLog::id).containsExactly("hello", "marker");
                assertThat(backend.stateLogs()).allMatch(StateLog::succeeded);
                assertThat(Files.readString(marker)).isEqualTo("applied by opsagent run\n");

                Processes.Result status = awaitStatus(root, env);
                assertThat(status.stdout()).contains("version 4, 2 states").contains("IDLE").contains("ONLINE");
            } finally {
                agent.destroy();
                assertThat(agent.waitFor(20, java.util.concurrent.TimeUnit.SECONDS))
                        .as("the agent stops within 20 s of SIGTERM").isTrue();
            }
            assertThat(agent.exitValue()).as(Files.readString(root.resolve("agent.out"))).isIn(0, 143);
            String log = Files.readString(root.resolve("var/log/visualops/agent.log"));
            assertThat(log).contains("opsagent " + version + " starting")
                    .contains("stop requested (SIGTERM or SIGINT); stopping the agent");
            // The daemon's lines go through an asynchronous appender; the stop hook drains it
            // before the JVM halts, so the last line written is the last one logged.
            assertThat(log.lines().reduce((first, second) -> second).orElse(""))
                    .contains("Launcher - opsagent stopped on a signal; the process exits with 128 + its number");
            String token = Files.readString(root.resolve("etc/opsagent.token")).strip();
            assertThat(log).doesNotContain(token);
        }
    }

    private static JsonObject fileParameters(Path path, String content) {
        JsonObject p = new JsonObject();
        p.addProperty("path", path.toString());
        p.addProperty("content", content);
        return p;
    }

    /** {@code opsagent status}, once the running agent's status file shows the finished round. */
    private static Processes.Result awaitStatus(Path root, Map<String, String> env) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Processes.Result status = Processes.run(List.of(release.resolve("bin/opsagent").toString(), "status",
                    "--root", root.toString()), env, release);
            if (status.exitCode() == 0 && status.stdout().contains("IDLE") || System.nanoTime() > deadline) {
                return status;
            }
        }
    }
}
