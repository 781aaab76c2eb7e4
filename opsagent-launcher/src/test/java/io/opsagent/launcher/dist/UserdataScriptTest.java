package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.net.httpserver.HttpServer;
import io.opsagent.launcher.config.ConfigLoader;
import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.host.FileModes;
import io.opsagent.launcher.testing.Processes;
import io.opsagent.launcher.testing.RepositoryFiles;
import io.opsagent.launcher.testing.TreeDigest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/userdata.sh against a release served on loopback, installed under OPSAGENT_ROOT by an
 * unprivileged run.
 */
@Tag("slow")
class UserdataScriptTest {

    @TempDir
    Path dir;

    Path root;
    Path tmp;
    HttpServer server;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    String baseRemote;

    @BeforeEach
    void serve() throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        tmp = Files.createDirectories(dir.resolve("tmp"));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestURI().getPath());
            byte[] body = served.get(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        baseRemote = "http://127.0.0.1:" + server.getAddress().getPort() + "/opsagent";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Builds a small release tarball and serves it with its checksum (or with {@code checksum} when given). */
    private byte[] publish(String version, String checksum, boolean withLink) throws Exception {
        return publish(version, checksum, withLink, null);
    }

    /**
     * Builds and serves a release: the plain one ({@code platform} null) as opsagent.tgz, a
     * platform one as opsagent-PLATFORM.tgz with a runtime/bin/java.
     */
    private byte[] publish(String version, String checksum, boolean withLink, String platform) throws Exception {
        String name = platform == null ? "opsagent.tgz" : "opsagent-" + platform + ".tgz";
        Path tree = Files.createDirectories(dir.resolve("tree-" + version + "-" + name));
        if (platform != null) {
            copy(RepositoryFiles.module().resolve("src/dist/bin/opsagent"), tree.resolve("runtime/bin/java"),
                    "rwxr-xr-x");
        }
        Path module = RepositoryFiles.module();
        copy(module.resolve("src/dist/bin/opsagent"), tree.resolve("bin/opsagent"), "rwxr-xr-x");
        copy(module.resolve("src/dist/scripts/userdata.sh"), tree.resolve("scripts/userdata.sh"), "rwxr-xr-x");
        copy(module.resolve("src/dist/scripts/opsagent-cron.sh"), tree.resolve("scripts/opsagent-cron.sh"), "rwxr-xr-x");
        copy(module.resolve("src/dist/scripts/opsagent-probation.sh"), tree.resolve("scripts/opsagent-probation.sh"),
                "rwxr-xr-x");
        copy(module.resolve("src/dist/scripts/opsagent-start.sh"), tree.resolve("scripts/opsagent-start.sh"),
                "rwxr-xr-x");
        copy(RepositoryFiles.resolve("config/opsagent.service"), tree.resolve("scripts/opsagent.service"), "rw-r--r--");
        copy(RepositoryFiles.resolve("config/opsagent.conf"), tree.resolve("config/opsagent.conf"), "rw-r--r--");
        Files.createDirectories(tree.resolve("lib"));
        Files.writeString(tree.resolve("lib/opsagent.jar"), "the jar of " + version);
        if (withLink) {
            Files.createSymbolicLink(tree.resolve("lib/escape"), Path.of("/etc"));
        }
        Path tarball = dir.resolve(version + "-" + name);
        Processes.Result tar = Processes.run(List.of("tar", "-czf", tarball.toString(), "-C", tree.toString(), "."),
                Map.of(), dir);
        assertThat(tar.exitCode()).as(tar.toString()).isZero();
        byte[] bytes = Files.readAllBytes(tarball);
        String sum = checksum != null ? checksum : TreeDigest.sha256(bytes);
        served.put("/opsagent/" + version + "/" + name, bytes);
        served.put("/opsagent/" + version + "/" + name + ".sha256",
                (sum + "  " + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return bytes;
    }

    private static void copy(Path from, Path to, String mode) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(mode));
    }

    private Processes.Result userdata(String version, Map<String, String> more) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "OPSAGENT_ROOT", root.toString(),
                "WS_URI", "wss://backend.example:443/agent/",
                "APP_ID", "app-42",
                "VERSION", version,
                "BASE_REMOTE", baseRemote + "/",
                "GPG_KEY_URI", baseRemote + "/key.asc",
                "TMPDIR", tmp.toString(),
                "OPSAGENT_ARCH", "x86_64"));
        env.putAll(more);
        return Processes.run(List.of("bash", RepositoryFiles.module().resolve("src/dist/scripts/userdata.sh").toString()),
                env, dir);
    }

    private static int mode(Path p) throws IOException {
        return FileModes.mode(Files.getPosixFilePermissions(p));
    }

    @Test
    void installsTheReleaseTheConfigurationAndTheCronLine() throws Exception {
        publish("1.2.3", null, false);

        Processes.Result r = userdata("1.2.3", Map.of());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Path opt = root.resolve("opt/visualops");
        Path release = opt.resolve("releases/1.2.3");
        assertThat(Files.readSymbolicLink(opt.resolve("current"))).isEqualTo(Path.of("releases/1.2.3"));
        assertThat(Files.readString(release.resolve("lib/opsagent.jar"))).isEqualTo("the jar of 1.2.3");
        assertThat(mode(release.resolve("bin/opsagent"))).isEqualTo(0755);
        assertThat(mode(release.resolve("scripts/opsagent.service"))).isEqualTo(0644);
        assertThat(mode(release)).isEqualTo(0755);
        assertThat(mode(root.resolve("var/lib/visualops"))).isEqualTo(0700);
        assertThat(mode(root.resolve("var/log/visualops"))).isEqualTo(0750);

        Path conf = root.resolve("etc/opsagent.conf");
        assertThat(mode(conf)).isEqualTo(0640);
        assertThat(Files.readString(conf)).isEqualTo(String.join("\n",
                "# Written by the OpsAgent bootstrap (userdata.sh), which rewrites it at every run.",
                "# config/opsagent.conf in the release describes every key.",
                "",
                "[userdata]",
                "ws_uri = wss://backend.example:443/agent/",
                "app_id = app-42",
                "version = 1.2.3",
                "base_remote = " + baseRemote,
                "gpg_key_uri = " + baseRemote + "/key.asc",
                ""));
        ConfigLoader.Loaded loaded = new ConfigLoader(root, Map.of()).load(conf);
        assertThat(loaded.warnings()).isEmpty();
        ConfigLoader.requireForRun(loaded.config());
        LauncherConfig config = loaded.config();
        assertThat(config.userdata().wsUri()).contains(URI.create("wss://backend.example:443/agent/"));
        assertThat(config.global().tokenFile()).isEqualTo(root.resolve("etc/opsagent.token"));

        Path token = root.resolve("etc/opsagent.token");
        assertThat(mode(token)).isEqualTo(0600);
        assertThat(Files.readString(token)).matches("[0-9a-f]{64}");

        assertThat(Files.readString(root.resolve("etc/cron.d/opsagent"))).isEqualTo(String.join("\n",
                "# Keeps the OpsAgent running; written by userdata.sh.",
                "SHELL=/bin/sh",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "OPSAGENT_ROOT=" + root,
                "* * * * * root " + CronScriptTest.cronCommand(opt) + " >>"
                        + root.resolve("var/log/visualops/cron.log") + " 2>&1",
                ""));
        assertThat(mode(root.resolve("etc/cron.d/opsagent"))).isEqualTo(0644);
        for (String name : CronScriptTest.SCRIPTS) {
            // The keeper the cron line runs: a copy outside releases/, which a release on probation cannot break.
            assertThat(opt.resolve("keeper").resolve(name)).hasSameTextualContentAs(
                    opt.resolve("releases/1.2.3/scripts").resolve(name));
            assertThat(mode(opt.resolve("keeper").resolve(name))).isEqualTo(0755);
        }
        assertThat(root.resolve("etc/systemd")).doesNotExist();
        assertThat(r.stdout()).contains("OPSAGENT_ROOT is set, so the agent is not started");
        try (Stream<Path> left = Files.list(tmp); Stream<Path> releases = Files.list(opt.resolve("releases"))) {
            assertThat(left).as("temporary files left behind").isEmpty();
            assertThat(releases.map(p -> p.getFileName().toString())).containsExactly("1.2.3");
        }
    }

    @Test
    void runningItAgainChangesNothing() throws Exception {
        publish("1.2.3", null, false);
        assertThat(userdata("1.2.3", Map.of()).exitCode()).isZero();
        List<String> before = TreeDigest.of(root);
        requests.clear();

        Processes.Result again = userdata("1.2.3", Map.of());

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(TreeDigest.of(root)).containsExactlyElementsOf(before);
        assertThat(requests).containsExactly("/opsagent/1.2.3/opsagent-linux-x64.tgz.sha256",
                "/opsagent/1.2.3/opsagent.tgz.sha256");
        assertThat(again.stdout()).contains("release 1.2.3 is already installed");
    }

    @Test
    void aNewVersionIsInstalledBesideTheOldAndTheLinkSwitches() throws Exception {
        publish("1.2.3", null, false);
        publish("1.3.0", null, false);
        assertThat(userdata("1.2.3", Map.of()).exitCode()).isZero();
        String token = Files.readString(root.resolve("etc/opsagent.token"));

        Processes.Result r = userdata("1.3.0", Map.of());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Path opt = root.resolve("opt/visualops");
        assertThat(Files.readSymbolicLink(opt.resolve("current"))).isEqualTo(Path.of("releases/1.3.0"));
        assertThat(Files.readString(opt.resolve("current/lib/opsagent.jar"))).isEqualTo("the jar of 1.3.0");
        assertThat(opt.resolve("releases/1.2.3/lib/opsagent.jar")).exists();
        assertThat(Files.readString(root.resolve("etc/opsagent.conf"))).contains("version = 1.3.0\n");
        assertThat(Files.readString(root.resolve("etc/opsagent.token"))).isEqualTo(token);
    }

    @Test
    void onX64ThePlatformReleaseWithItsOwnJavaIsInstalled() throws Exception {
        publish("1.2.3", null, false);
        publish("1.2.3", null, false, "linux-x64");

        Processes.Result r = userdata("1.2.3", Map.of());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("using the platform release for x86_64");
        assertThat(root.resolve("opt/visualops/current/runtime/bin/java")).isExecutable();
        assertThat(requests).contains("/opsagent/1.2.3/opsagent-linux-x64.tgz")
                .doesNotContain("/opsagent/1.2.3/opsagent.tgz", "/opsagent/1.2.3/opsagent.tgz.sha256");
    }

    @Test
    void onAnotherArchitectureThePlainReleaseRunsOnTheHostsJava() throws Exception {
        publish("1.2.3", null, false);
        publish("1.2.3", null, false, "linux-x64");

        Processes.Result r = userdata("1.2.3", Map.of("OPSAGENT_ARCH", "aarch64", "JAVA_HOME", javaHome()));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("no platform release for aarch64; using the plain release with "
                + javaHome() + "/bin/java");
        assertThat(root.resolve("opt/visualops/current/runtime")).doesNotExist();
        assertThat(requests).doesNotContain("/opsagent/1.2.3/opsagent-linux-x64.tgz.sha256");
    }

    @Test
    void withoutAPublishedPlatformReleaseThePlainOneIsInstalledWhereJavaIsPresent() throws Exception {
        publish("1.2.3", null, false);

        Processes.Result r = userdata("1.2.3", Map.of("JAVA_HOME", javaHome()));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("no platform release at " + baseRemote
                + "/1.2.3/opsagent-linux-x64.tgz; using the plain release with " + javaHome() + "/bin/java");
        assertThat(root.resolve("opt/visualops/current/lib/opsagent.jar")).exists();
    }

    @Test
    void withNeitherAPlatformReleaseNorAJavaNothingIsInstalled() throws Exception {
        publish("1.2.3", null, false);
        Path path = toolsWithoutJava();

        Processes.Result r = userdata("1.2.3", Map.of("PATH", path.toString(), "JAVA_HOME", ""));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("userdata: cannot download " + baseRemote
                + "/1.2.3/opsagent-linux-x64.tgz.sha256, and the plain release needs a Java 17+, which this host"
                + " does not have (no $JAVA_HOME/bin/java, no java on PATH); nothing was installed\n");
        try (Stream<Path> installed = Files.list(root)) {
            assertThat(installed).isEmpty();
        }
    }

    @Test
    void aPlatformReleaseWithoutItsRuntimeIsRefused() throws Exception {
        // A plain release published under the platform name.
        byte[] plain = publish("1.2.3", null, false);
        served.put("/opsagent/1.2.3/opsagent-linux-x64.tgz", plain);
        served.put("/opsagent/1.2.3/opsagent-linux-x64.tgz.sha256", served.get("/opsagent/1.2.3/opsagent.tgz.sha256"));

        Processes.Result r = userdata("1.2.3", Map.of());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("userdata: " + baseRemote + "/1.2.3/opsagent-linux-x64.tgz is not a platform"
                + " release (no runtime/bin/java); nothing was installed\n");
        assertThat(root.resolve("opt/visualops/releases/1.2.3")).doesNotExist();
    }

    private static String javaHome() {
        return System.getProperty("java.home");
    }

    /** A directory of links to every command on PATH except java: a host without Java. */
    private Path toolsWithoutJava() throws IOException {
        Path tools = Files.createDirectories(dir.resolve("tools"));
        for (String entry : System.getenv("PATH").split(":")) {
            Path d = Path.of(entry);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Path link = tools.resolve(f.getFileName().toString());
                    if (!f.getFileName().toString().equals("java") && Files.isExecutable(f) && !Files.exists(link,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, f);
                    }
                }
            }
        }
        return tools;
    }

    @Test
    void aBadChecksumIsRefusedAndNothingIsInstalled() throws Exception {
        byte[] tarball = publish("1.2.3", "0".repeat(64), false);

        Processes.Result r = userdata("1.2.3", Map.of());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("userdata: checksum mismatch for " + baseRemote
                + "/1.2.3/opsagent.tgz: expected " + "0".repeat(64) + ", got " + TreeDigest.sha256(tarball)
                + "; nothing was installed\n");
        try (Stream<Path> installed = Files.list(root); Stream<Path> left = Files.list(tmp)) {
            assertThat(installed).isEmpty();
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aReleaseWithLinksIsRefused() throws Exception {
        publish("6.6.6", null, true);

        Processes.Result r = userdata("6.6.6", Map.of());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("userdata: " + baseRemote + "/6.6.6/opsagent.tgz holds links or special "
                + "files; refusing it, nothing was installed\n");
        try (Stream<Path> installed = Files.list(root)) {
            assertThat(installed).isEmpty();
        }
    }

    @Test
    void installsTheSystemdUnitWhereSystemdRuns() throws Exception {
        publish("1.2.3", null, false);
        Files.createDirectories(root.resolve("run/systemd/system"));

        Processes.Result r = userdata("1.2.3", Map.of());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        String unit = Files.readString(root.resolve("etc/systemd/system/opsagent.service"));
        Path opt = root.resolve("opt/visualops");
        assertThat(unit).contains("ExecStart=/usr/bin/env OPSAGENT_ROOT=" + root + " /bin/sh -c 'if [ -x "
                + opt.resolve("keeper/opsagent-start.sh") + " ]; then exec " + opt.resolve("keeper/opsagent-start.sh")
                + " \"$$@\"; else exec " + opt.resolve("current/scripts/opsagent-start.sh")
                + " \"$$@\"; fi' opsagent-start run --root " + root + "\n", "Restart=always\n",
                "RestartForceExitStatus=75\n", "SuccessExitStatus=143\n");
        assertThat(mode(root.resolve("etc/systemd/system/opsagent.service"))).isEqualTo(0644);
    }

    @Test
    void anUnfilledTemplateSaysWhatIsMissing() throws Exception {
        Processes.Result r = Processes.run(
                List.of("bash", RepositoryFiles.module().resolve("src/dist/scripts/userdata.sh").toString()),
                Map.of("OPSAGENT_ROOT", root.toString(), "TMPDIR", tmp.toString()), dir);

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("userdata: WS_URI is not set: the backend fills it in, or export WS_URI=...\n");
    }

    @Test
    void aVersionThatCouldEscapeItsDirectoryIsRefused() throws Exception {
        Processes.Result r = userdata("../../etc", Map.of());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("userdata: VERSION '../../etc' may hold only letters, digits, '.', '_' and "
                + "'-'\n");
        assertThat(requests).isEmpty();
    }

    @Test
    void worksWithWgetToo() throws Exception {
        assumeThat(Path.of("/usr/bin/wget")).as("wget is installed").exists();
        publish("1.2.3", null, false);

        Processes.Result r = userdata("1.2.3", Map.of("OPSAGENT_DOWNLOADER", "wget", "EXTRA_CONFIG",
                "[round]\ninterval = 5m"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Files.readString(root.resolve("opt/visualops/current/lib/opsagent.jar"))).isEqualTo("the jar of 1.2.3");
        LauncherConfig config = new ConfigLoader(root, Map.of()).load(root.resolve("etc/opsagent.conf")).config();
        assertThat(config.round().interval()).hasMinutes(5);
    }
}
