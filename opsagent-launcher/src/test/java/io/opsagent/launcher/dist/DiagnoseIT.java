package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.launcher.testing.Processes;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/opsagent diagnose} of the packaged release. Host names are looked up in a hosts file
 * of the test's own ({@code -Djdk.net.hosts.file}), so the unknown host never reaches a name server.
 */
class DiagnoseIT {

    @TempDir
    static Path release;
    @TempDir
    Path root;

    private static ReferenceBackend backend;
    private static Path hosts;

    @BeforeAll
    static void unpackAndStart() throws Exception {
        Path tarball = Path.of(System.getProperty("opsagent.dist.tarball", "target/opsagent-unknown.tgz"));
        Processes.Result r = Processes.run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C",
                release.toString()), Map.of(), release);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        hosts = release.resolve("test-hosts");
        Files.writeString(hosts, "127.0.0.1 backend.test\n");
        backend = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0)
                .recipeOnHandshake(Recipe.version(1).build()).build().start();
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
    }

    private Processes.Result diagnose(String wsUri, String... extra) throws IOException, InterruptedException {
        Path config = root.resolve("etc/opsagent.conf");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "[userdata]\nws_uri = " + wsUri + "\napp_id = app-1\n[network]\ninstance_id = i-1\n"
                + "[executor]\nkind = native\n");
        Path token = root.resolve("etc/opsagent.token");
        Files.writeString(token, "secret");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        List<String> command = new ArrayList<>(List.of(release.resolve("bin/opsagent").toString(), "diagnose", "--root",
                root.toString()));
        command.addAll(List.of(extra));
        return Processes.run(command, Map.of("JAVA_HOME", System.getProperty("java.home"), "LANG", "C.UTF-8",
                "OPSAGENT_JAVA_OPTS", "-Djdk.net.hosts.file=" + hosts), root);
    }

    @Test
    void everyCheckPassesAgainstTheReferenceBackendByName() throws Exception {
        Processes.Result r = diagnose("ws://backend.test:" + backend.url().getPort() + "/agent/");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("\u2713 DNS                backend.test is 127.0.0.1\n")
                .contains("\u2713 Handshake          answered with RecipeMetadata\n")
                .endsWith("all 10 checks passed\n");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void anUnknownHostFailsDnsWithItsFixAndExits1() throws Exception {
        Processes.Result r = diagnose("wss://no-such-host.invalid/agent/", "--json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        JsonObject json = JsonParser.parseString(r.stdout()).getAsJsonObject();
        assertThat(json.get("ok").getAsBoolean()).isFalse();
        JsonObject dns = null;
        for (JsonElement e : json.getAsJsonArray("checks")) {
            if (e.getAsJsonObject().get("name").getAsString().equals("DNS")) {
                dns = e.getAsJsonObject();
            }
        }
        assertThat(dns).isNotNull();
        assertThat(dns.get("result").getAsString()).isEqualTo("fail");
        assertThat(dns.get("detail").getAsString()).isEqualTo("no such host: no-such-host.invalid");
        assertThat(dns.get("fix").getAsString()).contains("[userdata] ws_uri");
    }
}
