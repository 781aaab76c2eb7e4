package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opsagent.fsm.spi.StateResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code linux.apt.package}, {@code linux.yum.package} and {@code linux.service} through real
 * Salt, without network: the package is a throwaway {@code .deb} the test builds and installs
 * with {@code dpkg} (installing through Salt refreshes the package index from the network, so
 * it is not tested here), and this host runs no init system, where Salt's service states do
 * nothing ("OFFLINE mode").
 */
class SaltPackageIT extends RealSaltBase {

    private static final String PACKAGE = "opsagent-test-probe";

    @AfterEach
    void removeTheTestPackage() throws Exception {
        HostCommands.exec(Path.of("/"), "dpkg", "--purge", PACKAGE);
    }

    @Test
    void aptRemovalRemovesOnceDryRunOnlyReportsAndYumOnDebianFails() throws Exception {
        assumeTrue(HostCommands.exec(Path.of("/"), "sh", "-c", "command -v dpkg-deb && command -v apt-get").exitCode() == 0,
                "not a Debian-family host (no dpkg-deb/apt-get)");
        installThrowawayPackage();

        StateResult dry = saltDryRun("linux.apt.package", params("name", Map.of(PACKAGE, "removed")));
        boolean installedAfterDryRun = installed();
        StateResult first = salt("linux.apt.package", params("name", Map.of(PACKAGE, "removed")));
        StateResult second = salt("linux.apt.package", params("name", Map.of(PACKAGE, "removed")));
        StateResult yum = salt("linux.yum.package", params("name", Map.of(PACKAGE, "")));

        assertChanged(dry);
        assertThat(installedAfterDryRun).isTrue();
        assertChanged(first);
        assertThat(installed()).isFalse();
        assertUnchanged(second);
        assertFailed(yum);
        assertThat(yum.comment()).contains("conflict on os type");
    }

    @Test
    void serviceStatesSucceedWithoutChangeWhereNoInitSystemRunsAndBadParametersFail() throws Exception {
        assumeTrue(!Files.isDirectory(Path.of("/run/systemd/system")), "systemd runs here: services would really start");

        StateResult first = salt("linux.service", params("name", Map.of("opsagent-test-service", "")));
        StateResult dry = saltDryRun("linux.service", params("name", Map.of("opsagent-test-service", "")));
        StateResult noName = salt("linux.service", params("watch", java.util.List.of("/etc/hosts")));

        assertUnchanged(first);
        assertThat(first.comment()).contains("OFFLINE");
        assertUnchanged(dry);
        assertFailed(noName);
        assertThat(noName.comment()).contains("name");
    }

    private void installThrowawayPackage() throws Exception {
        Path root = tmp.resolve("pkg");
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.createDirectories(root.resolve("usr/share/doc/" + PACKAGE));
        Files.writeString(root.resolve("DEBIAN/control"), "Package: " + PACKAGE + "\nVersion: 1.0\nArchitecture: all\n"
                + "Maintainer: test <test@localhost>\nDescription: throwaway package for a test\n");
        Files.writeString(root.resolve("usr/share/doc/" + PACKAGE + "/README"), "test\n");
        HostCommands.run(tmp, "dpkg-deb", "--build", "--root-owner-group", root.toString(), tmp.resolve("probe.deb").toString());
        HostCommands.run(tmp, "dpkg", "-i", tmp.resolve("probe.deb").toString());
        assertThat(installed()).isTrue();
    }

    private static boolean installed() throws Exception {
        return HostCommands.exec(Path.of("/"), "dpkg-query", "-W", "-f=${Status}", PACKAGE).output().contains("install ok installed");
    }
}
