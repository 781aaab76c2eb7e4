package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opsagent.fsm.spi.StateResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code linux.group}, {@code linux.user} and {@code linux.cronjob} through real Salt, with a
 * user and a group named uniquely for the test and removed afterwards (with the user's crontab).
 */
class SaltAccountsIT extends RealSaltBase {

    private final String name = "oatest" + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT);

    @AfterEach
    void removeTheTestAccounts() throws Exception {
        HostCommands.exec(Path.of("/"), "crontab", "-r", "-u", name);
        HostCommands.exec(Path.of("/"), "userdel", "-r", name);
        HostCommands.exec(Path.of("/"), "groupdel", name);
    }

    @Test
    void groupIsCreatedOnceDryRunOnlyReportsAndATakenGidFails() throws Exception {
        StateResult dry = saltDryRun("linux.group", params("groupname", name));
        boolean existsAfterDryRun = groupExists(name);
        StateResult first = salt("linux.group", params("groupname", name, "system-group", true));
        StateResult second = salt("linux.group", params("groupname", name, "system-group", true));
        StateResult takenGid = salt("linux.group", params("groupname", name + "x", "gid", "0"));

        assertChanged(dry);
        assertThat(existsAfterDryRun).isFalse();
        assertChanged(first);
        assertThat(groupExists(name)).isTrue();
        assertUnchanged(second);
        assertFailed(takenGid);
        assertThat(groupExists(name + "x")).isFalse();
    }

    @Test
    void userIsCreatedWithItsPasswordOnceDryRunOnlyReportsAndAnUnknownGroupFails() throws Exception {
        Path home = tmp.resolve("home");
        var p = params("username", name, "password", "s3cret-pass", "home", home, "fullname", "Test User",
                "groups", List.of("nogroup"));

        StateResult dry = saltDryRun("linux.user", p);
        boolean existsAfterDryRun = userExists(name);
        StateResult first = salt("linux.user", p);
        StateResult second = salt("linux.user", p);
        StateResult unknownGroup = salt("linux.user", params("username", name, "password", "s3cret-pass", "home", home,
                "groups", List.of("opsagent-no-such-group")));

        assertChanged(dry);
        assertThat(existsAfterDryRun).isFalse();
        assertChanged(first);
        assertThat(first.comment()).doesNotContain("s3cret-pass");
        assertThat(HostCommands.run(Path.of("/"), "id", "-nG", name)).contains("nogroup");
        assertThat(Files.isDirectory(home)).isTrue();
        assertThat(HostCommands.run(Path.of("/"), "getent", "shadow", name)).contains(":$");
        assertUnchanged(second);
        assertFailed(unknownGroup);
    }

    @Test
    void cronjobIsAddedOnceDryRunOnlyReportsAndAnUnknownUserFails() throws Exception {
        assumeTrue(HostCommands.exec(Path.of("/"), "sh", "-c", "command -v crontab").exitCode() == 0,
                "no crontab program on this host (Debian package cron)");
        salt("linux.user", params("username", name, "password", "x", "home", tmp.resolve("home")));
        var p = params("cmd", List.of("/bin/true " + name), "user", name, "minute", "5", "hour", "3");

        StateResult dry = saltDryRun("linux.cronjob", p);
        String afterDryRun = HostCommands.exec(Path.of("/"), "crontab", "-l", "-u", name).output();
        StateResult first = salt("linux.cronjob", p);
        StateResult second = salt("linux.cronjob", p);
        StateResult unknownUser = salt("linux.cronjob", params("cmd", List.of("/bin/true"), "user", "opsagent-no-such-user"));

        assertChanged(dry);
        assertThat(afterDryRun).doesNotContain("/bin/true " + name);
        assertChanged(first);
        assertThat(HostCommands.run(Path.of("/"), "crontab", "-l", "-u", name)).contains("5 3 * * * /bin/true " + name);
        assertUnchanged(second);
        assertFailed(unknownUser);
    }

    private static boolean groupExists(String group) throws Exception {
        return HostCommands.exec(Path.of("/"), "getent", "group", group).exitCode() == 0;
    }

    private static boolean userExists(String user) throws Exception {
        return HostCommands.exec(Path.of("/"), "getent", "passwd", user).exitCode() == 0;
    }
}
