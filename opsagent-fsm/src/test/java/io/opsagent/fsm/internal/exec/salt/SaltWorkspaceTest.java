package io.opsagent.fsm.internal.exec.salt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaltWorkspaceTest {

    @TempDir
    Path tmp;

    @Test
    void holdsOnlyThePrivateSlsFileAndIsRemovedOnClose() throws Exception {
        Path root;
        try (SaltWorkspace ws = SaltWorkspace.create(tmp.resolve("work"), "#!json\n{}\n")) {
            root = ws.fileRoot();
            assertThat(root.getParent()).isEqualTo(tmp.resolve("work"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ws.slsFile()))).isEqualTo("rw-------");
            assertThat(ws.slsFile().getFileName().toString()).isEqualTo("vops.sls");
            assertThat(Files.readString(ws.slsFile(), StandardCharsets.UTF_8)).isEqualTo("#!json\n{}\n");
            Files.writeString(root.resolve("left-by-salt"), "x");
        }
        assertThat(root).doesNotExist();
    }

    @Test
    void aStatesTextFileIsWrittenPrivatelyByteForByteAndNamedInTheSls() throws Exception {
        String content = "a\r\n\f\u00e9\n\n";
        SaltState state = SaltState.builder("vops_s1_main", "file.managed").arg("name", "/etc/motd")
                .fileArg("source", WorkspaceFile.text(content)).build();
        Path root;
        try (SaltWorkspace ws = SaltWorkspace.create(tmp.resolve("work"), List.of(state))) {
            root = ws.fileRoot();
            Path source = root.resolve("vops_s1_main.source");
            assertThat(Files.readAllBytes(source)).isEqualTo(content.getBytes(StandardCharsets.UTF_8));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(source))).isEqualTo("rw-------");
            assertThat(Files.readString(ws.slsFile())).contains("{\"source\": \"" + source + "\"}");
        }
        assertThat(root).doesNotExist();
    }

    @Test
    void aFailedDownloadLeavesNoFileRootBehind() throws Exception {
        HttpServer server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        server.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/f");
            SaltState state = SaltState.builder("vops_s1_main", "file.managed").arg("name", "/etc/motd")
                    .fileArg("source", WorkspaceFile.download(uri)).build();

            assertThatThrownBy(() -> SaltWorkspace.create(tmp.resolve("work"), List.of(state)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("could not download " + uri + ": HTTP status 500");
            try (var left = Files.list(tmp.resolve("work"))) {
                assertThat(left).isEmpty();
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void commandLineFollowsTheRecommendedForm() {
        assertThat(SaltCommandLine.of(Path.of("/usr/bin/salt-call"), null, Path.of("/tmp/r"), false)).containsExactly(
                "/usr/bin/salt-call", "--local", "--out=json", "--retcode-passthrough", "--file-root=/tmp/r", "state.sls", "vops");
        assertThat(SaltCommandLine.of(Path.of("/usr/bin/salt-call"), Path.of("/etc/opsagent/salt"), Path.of("/tmp/r"), true))
                .containsExactly("/usr/bin/salt-call", "--config-dir=/etc/opsagent/salt", "--local", "--out=json",
                        "--retcode-passthrough", "--file-root=/tmp/r", "state.sls", "vops", "test=True");
    }

    @Test
    void configDirGetsAMinionFileOnceAndLosesTheCachedSls() throws Exception {
        SaltConfigDir config = new SaltConfigDir(tmp.resolve("salt"));
        config.ensure();
        Path minion = tmp.resolve("salt/minion");
        assertThat(Files.readString(minion)).contains("file_client: local\n").contains("root_dir: " + tmp.resolve("salt/root") + "\n");
        Files.writeString(minion, "file_client: local\n# edited\n");
        config.ensure();
        assertThat(Files.readString(minion)).contains("# edited");

        Path cached = tmp.resolve("salt/root/var/cache/salt/minion/files/base/vops.sls");
        Files.createDirectories(cached.getParent());
        Files.writeString(cached, "secret");
        config.forgetRunFiles();
        assertThat(cached).doesNotExist();
    }
}
