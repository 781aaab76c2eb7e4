package io.opsagent.fsm.internal.exec.salt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
