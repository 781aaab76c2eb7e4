package io.opsagent.launcher.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostPreparerTest {

    @TempDir
    Path root;

    private int mode(Path p) throws IOException {
        return FileModes.mode(Files.getPosixFilePermissions(p));
    }

    @Test
    void createsTheDirectoriesWithTightModesAndAToken() throws IOException {
        HostLayout layout = HostLayout.defaults(root);

        HostPreparer.Prepared prepared = new HostPreparer().prepare(layout, true);

        assertThat(mode(layout.stateDir())).isEqualTo(0700);
        assertThat(mode(layout.logDir())).isEqualTo(0750);
        assertThat(mode(layout.installDir())).isEqualTo(0755);
        assertThat(mode(root.resolve("var/lib"))).isEqualTo(0755);
        assertThat(mode(layout.tokenFile())).isEqualTo(0600);
        String token = Files.readString(layout.tokenFile(), StandardCharsets.UTF_8);
        assertThat(token).matches("[0-9a-f]{64}");
        assertThat(prepared.token()).isPresent();
        assertThat(prepared.token().get().reveal()).isEqualTo(token);
        assertThat(prepared.token().get().toString()).doesNotContain(token).contains("redacted");
        assertThat(prepared.notes()).contains("created token file " + layout.tokenFile() + " (mode 0600)",
                "created " + layout.stateDir() + " (mode 0700)");
        assertThat(prepared.notes()).noneMatch(n -> n.contains(token));
        try (var files = Files.list(layout.tokenFile().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("opsagent.token");
        }
    }

    @Test
    void aSecondPreparationChangesNothingAndKeepsTheToken() throws IOException {
        HostLayout layout = HostLayout.defaults(root);
        String first = new HostPreparer().prepare(layout, true).token().orElseThrow().reveal();

        HostPreparer.Prepared again = new HostPreparer().prepare(layout, true);

        assertThat(again.token().orElseThrow().reveal()).isEqualTo(first);
        assertThat(again.notes()).isEmpty();
    }

    @Test
    void tightensALooseStateDirectory() throws IOException {
        HostLayout layout = HostLayout.defaults(root);
        Files.createDirectories(layout.stateDir());
        Files.setPosixFilePermissions(layout.stateDir(), PosixFilePermissions.fromString("rwxr-xr-x"));

        HostPreparer.Prepared prepared = new HostPreparer().prepare(layout, false);

        assertThat(mode(layout.stateDir())).isEqualTo(0700);
        assertThat(prepared.notes()).contains("changed the mode of " + layout.stateDir() + " from 0755 to 0700");
        assertThat(prepared.token()).isEmpty();
        assertThat(layout.tokenFile()).doesNotExist();
    }

    @Test
    void refusesATokenThatGroupOrOthersCanRead() throws IOException {
        HostLayout layout = HostLayout.defaults(root);
        Files.createDirectories(layout.tokenFile().getParent());
        Files.writeString(layout.tokenFile(), "s3cr3t-value");
        Files.setPosixFilePermissions(layout.tokenFile(), PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> new HostPreparer().prepare(layout, true))
                .isInstanceOf(HostException.class)
                .hasMessage("token file " + layout.tokenFile() + " has mode 0644: group and others must have no access "
                        + "to it; fix it with: chmod 600 " + layout.tokenFile())
                .message().doesNotContain("s3cr3t");
    }

    @Test
    void acceptsAReadOnlyTokenAsTheOriginalMadeIt() throws IOException {
        HostLayout layout = HostLayout.defaults(root);
        Files.createDirectories(layout.tokenFile().getParent());
        Files.writeString(layout.tokenFile(), "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n");
        Files.setPosixFilePermissions(layout.tokenFile(), PosixFilePermissions.fromString("r--------"));

        InstanceToken token = new HostPreparer().prepare(layout, true).token().orElseThrow();

        assertThat(token.reveal()).startsWith("-----BEGIN RSA PRIVATE KEY-----\n").endsWith("-----\n");
    }

    @Test
    void refusesAnEmptyToken() throws IOException {
        HostLayout layout = HostLayout.defaults(root);
        Files.createDirectories(layout.tokenFile().getParent());
        Files.writeString(layout.tokenFile(), "\n");
        Files.setPosixFilePermissions(layout.tokenFile(), PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> new HostPreparer().prepare(layout, true))
                .hasMessage("token file " + layout.tokenFile() + " is empty; delete it to have a new token made at the "
                        + "next start, or restore it");
    }

    @Test
    void aFileWhereADirectoryBelongsIsAnError() throws IOException {
        HostLayout layout = HostLayout.defaults(root);
        Files.createDirectories(layout.logDir().getParent());
        Files.writeString(layout.logDir(), "not a directory");

        assertThatThrownBy(() -> new HostPreparer().prepare(layout, false))
                .isInstanceOf(HostException.class)
                .hasMessage(layout.logDir() + " exists and is not a directory");
    }

    @Test
    void aMissingRootIsAnError() {
        HostLayout layout = HostLayout.defaults(root.resolve("missing"));

        assertThatThrownBy(() -> new HostPreparer().prepare(layout, false))
                .hasMessage("root " + root.resolve("missing") + " is not a directory");
    }
}
