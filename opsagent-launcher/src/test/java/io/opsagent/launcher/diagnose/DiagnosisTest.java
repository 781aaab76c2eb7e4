package io.opsagent.launcher.diagnose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks that need a seam a command line does not have: the name resolver. */
class DiagnosisTest {

    @TempDir
    Path root;

    @Test
    void anUnknownBackendHostFailsDnsAndSkipsTheRestOfTheWay() throws IOException, InterruptedException {
        Path config = root.resolve("etc/opsagent.conf");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "[userdata]\nws_uri = wss://backend.example.invalid/agent/\napp_id = app-1\n"
                + "[network]\ninstance_id = i-1\n[executor]\nkind = native\n");
        Path token = root.resolve("etc/opsagent.token");
        Files.writeString(token, "t");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        List<String> looked = new CopyOnWriteArrayList<>();

        List<Check> checks = new Diagnosis(Map.of(), root, config, Duration.ofSeconds(5), host -> {
            looked.add(host);
            throw new UnknownHostException(host + ": Name or service not known");
        }, "1.0").run();

        assertThat(looked).containsExactly("backend.example.invalid");
        Check dns = checks.stream().filter(c -> c.name().equals("DNS")).findFirst().orElseThrow();
        assertThat(dns.result()).isEqualTo(Check.Result.FAIL);
        assertThat(dns.detail()).isEqualTo("no such host: backend.example.invalid");
        assertThat(dns.fix().orElseThrow()).contains("[userdata] ws_uri").contains("getent hosts backend.example.invalid");
        assertThat(checks.stream().filter(c -> c.result() == Check.Result.SKIP).map(Check::name))
                .containsExactly("TCP", "TLS", "WebSocket upgrade", "Handshake");
        assertThat(DiagnosisReport.allPassed(checks)).isFalse();
        assertThat(DiagnosisReport.text(checks)).contains("\u2717 DNS ").endsWith("1 of 10 checks failed, 4 not checked\n");
        assertThat(DiagnosisReport.text(checks, DiagnosisReport.ASCII_MARKS)).contains("\nx DNS ").contains("\n- TCP ")
                .startsWith("+ configuration ");
    }

    @Test
    void freeSpaceIsMeasuredAgainstTheDocumentedMinimum() {
        Check here = Diagnosis.diskSpace(root.resolve("var/lib/visualops"));
        assertThat(here.detail()).contains("free for " + root.resolve("var/lib/visualops")).contains("(on " + root + ")")
                .contains("at least 100 MiB needed");
        assertThat(Diagnosis.bytes(Diagnosis.MIN_FREE_BYTES - 1)).isEqualTo("99 MiB");
        assertThat(Diagnosis.bytes(3L << 30)).isEqualTo("3.0 GiB");
    }
}
