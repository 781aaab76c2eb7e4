package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.testutil.ProcessProbe;
import io.opsagent.fsm.testutil.ResultRecorder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The built-in executor on temporary directories. */
@Timeout(120)
class NativeExecutorTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    @TempDir
    Path tmp;

    private final NativeExecutor executor = new NativeExecutor();
    private final ProcessProbe sleeps = ProcessProbe.sleepToken();

    @AfterEach
    void killLeftovers() {
        for (ProcessProbe probe : List.of(ProcessProbe.of(tmp.toString()), sleeps)) {
            for (long pid : probe.pids()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    // ---------------------------------------------------------------- linux.file

    @Test
    void fileIsCreatedWithContentAndModeAndASecondRunChangesNothing() throws Exception {
        Path f = tmp.resolve("motd");
        JsonObject p = params("path", f, "content", "hello\n", "mode", "0640");

        StateResult first = run("linux.file", p);
        StateResult second = run("linux.file", p);

        assertThat(first).isEqualTo(StateResult.changed("File " + f + " updated\nChanges: new file", null));
        assertThat(Files.readString(f)).isEqualTo("hello\n");
        assertThat(mode(f)).isEqualTo("640");
        assertThat(second).isEqualTo(StateResult.unchanged("File " + f + " is in the correct state"));
    }

    @Test
    void onlyTheModeIsChangedWhenOnlyTheModeDiffers() throws Exception {
        Path f = tmp.resolve("conf");
        Files.writeString(f, "x=1\n");
        Files.setAttribute(f, "unix:mode", 0600);
        Object inode = Files.getAttribute(f, "unix:ino");

        StateResult r = run("linux.file", params("path", f, "content", "x=1\n"));

        assertThat(r.comment()).isEqualTo("File " + f + " updated\nChanges: mode 0600 -> 0644");
        assertThat(r.changed()).isTrue();
        assertThat(mode(f)).isEqualTo("644");
        assertThat(Files.getAttribute(f, "unix:ino")).isEqualTo(inode);
    }

    @Test
    void newContentReplacesTheFileAtomicallyKeepingItsOwner() throws Exception {
        Path f = tmp.resolve("conf");
        Files.writeString(f, "old\n");
        Files.setAttribute(f, "unix:mode", 0644);
        Object owner = Files.getOwner(f);

        StateResult r = run("linux.file", params("path", f, "content", "new\n"));

        assertThat(r.comment()).isEqualTo("File " + f + " updated\nChanges: content");
        assertThat(Files.readString(f)).isEqualTo("new\n");
        assertThat(Files.getOwner(f)).isEqualTo(owner);
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(x -> x.getFileName().toString()).toList()).containsExactly("conf");
        }
    }

    @Test
    void withoutContentAnExistingFileKeepsItsContentAndAMissingOneIsCreatedEmpty() throws Exception {
        Path existing = tmp.resolve("existing");
        Files.writeString(existing, "keep me");
        Files.setAttribute(existing, "unix:mode", 0644);
        Path missing = tmp.resolve("missing");

        assertThat(run("linux.file", params("path", existing)).changed()).isFalse();
        assertThat(run("linux.file", params("path", missing)).changed()).isTrue();

        assertThat(Files.readString(existing)).isEqualTo("keep me");
        assertThat(Files.size(missing)).isZero();
    }

    @Test
    void aSymlinkAtThePathIsFollowed() throws Exception {
        Path real = tmp.resolve("real");
        Files.writeString(real, "old");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);

        run("linux.file", params("path", link, "content", "new", "mode", "0600"));

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(real)).isEqualTo("new");
        assertThat(mode(real)).isEqualTo("600");
    }

    @Test
    void theDollarRuleAppliesToContentLikeTheOriginal() throws Exception {
        Path f = tmp.resolve("env");
        run("linux.file", params("path", f, "content", "FILE=$path HOME=$HOME"));
        assertThat(Files.readString(f)).isEqualTo("FILE=" + f + " HOME=$HOME");
    }

    @Test
    void absentRemovesTheFileAndThenReportsItNotPresent() throws Exception {
        Path f = Files.writeString(tmp.resolve("gone"), "x");
        JsonObject p = params("path", f, "absent", true);

        assertThat(run("linux.file", p)).isEqualTo(StateResult.changed("Removed file " + f, null));
        assertThat(f).doesNotExist();
        assertThat(run("linux.file", p)).isEqualTo(StateResult.unchanged("File " + f + " is not present"));
    }

    @Test
    void aMissingParentOrADirectoryInTheWayFails() throws Exception {
        Path noParent = tmp.resolve("no/such/dir/file");
        assertThat(run("linux.file", params("path", noParent))).isEqualTo(
                StateResult.failed("Parent directory not present: " + noParent.getParent(), null));
        Path dir = Files.createDirectory(tmp.resolve("adir"));
        assertThat(run("linux.file", params("path", dir)).comment()).isEqualTo("Specified target " + dir + " is a directory");
    }

    @Test
    void ownerAndGroupAreSetWhenRunningAsRoot() throws Exception {
        assumeTrue(isRoot(), "needs root");
        String group = nobodyGroup();
        Path f = Files.writeString(tmp.resolve("owned"), "x");
        JsonObject p = params("path", f, "user", "nobody", "group", group);

        StateResult first = run("linux.file", p);
        StateResult second = run("linux.file", p);

        assertThat(first.comment()).contains("owner root -> nobody").contains("group root -> " + group);
        assertThat(Files.getOwner(f).getName()).isEqualTo("nobody");
        assertThat(second.changed()).isFalse();
    }

    @Test
    void anUnknownUserFailsNamingTheParameter() {
        StateResult r = run("linux.file", params("path", tmp.resolve("f"), "user", "no-such-user-4711"));
        assertThat(r).isEqualTo(StateResult.failed(
                "linux.file: parameter 'user' names user 'no-such-user-4711', which does not exist on this host", null));
    }

    @Test
    void remoteUriNeedsSalt() {
        StateResult r = run("linux.file", params("path", tmp.resolve("f"), "remote_uri", "https://example.com/x"));
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).contains("remote_uri").contains("install Salt");
    }

    // ---------------------------------------------------------------- linux.dir

    @Test
    void directoriesAreCreatedWithParentsAndModeAndASecondRunChangesNothing() throws Exception {
        Path a = tmp.resolve("srv/www");
        Path b = tmp.resolve("srv/logs");
        JsonObject p = params("path", List.of(a.toString(), b.toString()), "mode", "0750");

        StateResult first = run("linux.dir", p);
        StateResult second = run("linux.dir", p);

        assertThat(first.changed()).isTrue();
        assertThat(first.comment()).isEqualTo("Directory " + a + " updated\nChanges: new directory\n"
                + "Directory " + b + " updated\nChanges: new directory");
        assertThat(mode(a)).isEqualTo("750");
        assertThat(mode(tmp.resolve("srv"))).isEqualTo("750");
        assertThat(second).isEqualTo(new StateResult(true, false,
                "Directory " + a + " is in the correct state\nDirectory " + b + " is in the correct state", null));
    }

    @Test
    void aDirectoryModeIsCorrected() throws Exception {
        Path d = Files.createDirectory(tmp.resolve("d"));
        Files.setAttribute(d, "unix:mode", 0700);
        StateResult r = run("linux.dir", params("path", d.toString()));
        assertThat(r.comment()).isEqualTo("Directory " + d + " updated\nChanges: mode 0700 -> 0755");
        assertThat(mode(d)).isEqualTo("755");
    }

    @Test
    void recursiveOwnershipReachesEverythingBelowWithoutFollowingLinks() throws Exception {
        assumeTrue(isRoot(), "needs root");
        Path d = Files.createDirectories(tmp.resolve("tree/sub"));
        Files.writeString(d.resolve("f"), "x");
        Path outside = Files.writeString(tmp.resolve("outside"), "y");
        Files.createSymbolicLink(d.resolve("link"), outside);
        JsonObject p = params("path", tmp.resolve("tree").toString(), "user", "nobody", "recursive", true);

        StateResult first = run("linux.dir", p);
        StateResult second = run("linux.dir", p);

        assertThat(first.comment()).contains("owner root -> nobody").contains("owner/group of 3 entries below");
        assertThat(Files.getOwner(d.resolve("f")).getName()).isEqualTo("nobody");
        assertThat(Files.getOwner(d.resolve("link"), LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo("nobody");
        assertThat(Files.getOwner(outside).getName()).isEqualTo("root");
        assertThat(second.changed()).isFalse();
    }

    @Test
    void aFileWhereADirectoryShouldBeFails() throws Exception {
        Path f = Files.writeString(tmp.resolve("f"), "x");
        assertThat(run("linux.dir", params("path", f.toString())))
                .isEqualTo(StateResult.failed("Specified location " + f + " exists and is a file", null));
    }

    @Test
    void absentRemovesADirectoryWithItsContent() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("old/deep"));
        Files.writeString(d.resolve("f"), "x");
        StateResult r = run("linux.dir", params("path", tmp.resolve("old").toString(), "absent", true));
        assertThat(r).isEqualTo(StateResult.changed("Removed directory " + tmp.resolve("old"), null));
        assertThat(tmp.resolve("old")).doesNotExist();
    }

    // ---------------------------------------------------------------- linux.symlink

    @Test
    void aSymlinkIsCreatedThenLeftAloneThenReplacedWhenItPointsElsewhere() throws Exception {
        Path link = tmp.resolve("current");
        Path v1 = Files.createDirectory(tmp.resolve("v1"));
        Path v2 = Files.createDirectory(tmp.resolve("v2"));

        StateResult created = run("linux.symlink", params("source", v1, "target", link));
        StateResult again = run("linux.symlink", params("source", v1, "target", link));
        StateResult replaced = run("linux.symlink", params("source", v2, "target", link));

        assertThat(created).isEqualTo(StateResult.changed("Created new symlink " + link + " -> " + v1 + "\nChanges: new symlink", null));
        assertThat(again).isEqualTo(StateResult.unchanged("Symlink " + link + " -> " + v1 + " is in the correct state"));
        assertThat(replaced).isEqualTo(StateResult.changed("Set symlink " + link + " to " + v2 + "\nChanges: target " + v1 + " -> " + v2, null));
        assertThat(Files.readSymbolicLink(link)).isEqualTo(v2);
        assertThat(v1).isDirectory();
    }

    @Test
    void aRegularFileWhereTheLinkShouldBeFailsAndIsKept() throws Exception {
        Path f = Files.writeString(tmp.resolve("current"), "data");
        StateResult r = run("linux.symlink", params("source", "/opt", "target", f));
        assertThat(r).isEqualTo(StateResult.failed("File exists where the symlink " + f + " should be", null));
        assertThat(Files.readString(f)).isEqualTo("data");
    }

    @Test
    void aSymlinkNeedsItsParentDirectory() {
        Path link = tmp.resolve("missing/current");
        assertThat(run("linux.symlink", params("source", "/opt", "target", link)).comment())
                .isEqualTo("Directory " + link.getParent() + " for symlink is not present");
    }

    @Test
    void absentRemovesTheLinkButNotWhatItPointsTo() throws Exception {
        Path target = Files.writeString(tmp.resolve("data"), "x");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        StateResult r = run("linux.symlink", params("source", target, "target", link, "absent", true));
        assertThat(r).isEqualTo(StateResult.changed("Removed symlink " + link, null));
        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(target).exists();
    }

    @Test
    void aDryRunWouldCreateAFileOrLinkWhoseDirectoryAnEarlierStateMakesButAfterAFileStillFails() throws Exception {
        Path dir = tmp.resolve("made-by-an-earlier-state");

        StateResult file = dryRun("linux.file", params("path", dir.resolve("f"), "content", "x"));
        StateResult link = dryRun("linux.symlink", params("target", dir.resolve("l"), "source", "/etc/hostname"));

        assertThat(file.success()).as(file.toString()).isTrue();
        assertThat(file.changed()).isTrue();
        assertThat(file.comment()).contains("does not exist yet; an earlier state must create it");
        assertThat(link.success()).as(link.toString()).isTrue();
        assertThat(link.changed()).isTrue();
        assertThat(dir).doesNotExist();

        Files.writeString(tmp.resolve("plain"), "a file, not a directory");
        assertThat(dryRun("linux.file", params("path", tmp.resolve("plain/f"), "content", "x")).success())
                .as("no state can turn a file into the directory").isFalse();
    }

    // ---------------------------------------------------------------- linux.cmd

    @Test
    void aCommandRunsInItsDirectoryWithItsEnvironmentAndShell() throws Exception {
        JsonObject p = params("cmd", "echo \"$GREETING from $(pwd)\"; echo oops >&2", "cwd", tmp, "shell", "/bin/bash");
        p.add("env", keyValues(Map.of("GREETING", "hi", "DROPPED", "")));
        StateResult r = run("linux.cmd", p);
        assertThat(r.success()).isTrue();
        assertThat(r.changed()).isTrue();
        assertThat(r.comment()).isEqualTo("Command \"echo \"$GREETING from $(pwd)\"; echo oops >&2\" run");
        assertThat(r.stdout()).isEqualTo("hi from " + tmp + "\noops\n");
    }

    @Test
    void aCommandGetsOnlyTheDocumentedEnvironmentAndUmaskNotTheAgents() throws Exception {
        JsonObject p = params("cmd", "env | sort; umask", "cwd", tmp);
        p.add("env", keyValues(Map.of("GREETING", "hi")));

        StateResult r = run("linux.cmd", p);

        assertThat(r.success()).as(r.toString()).isTrue();
        Map<String, String> seen = new TreeMap<>();
        List<String> lines = r.stdout().lines().toList();
        for (String line : lines.subList(0, lines.size() - 1)) {
            int eq = line.indexOf('=');
            seen.put(line.substring(0, eq), line.substring(eq + 1));
        }
        // What the shell itself adds (PWD, SHLVL, _) is not the agent's.
        seen.keySet().removeAll(List.of("PWD", "SHLVL", "_", "OLDPWD"));
        assertThat(seen).containsOnlyKeys("PATH", "LANG", "HOME", "GREETING");
        // The PATH docs/executors.md promises for linux.cmd.
        assertThat(seen.get("PATH")).isEqualTo("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        assertThat(seen.get("HOME")).isEqualTo(System.getProperty("user.home"));
        assertThat(seen.get("GREETING")).isEqualTo("hi");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("0022");
    }

    @Test
    void theDefaultWorkingDirectoryIsUnderTheConfiguredOneNotTheHosts() {
        Path commands = tmp.resolve("root/opt/visualops/tmp");
        NativeExecutor underRoot = new NativeExecutor(commands);
        ResultRecorder recorder = new ResultRecorder();

        underRoot.start(request("linux.cmd", params("cmd", "pwd"), false, MINUTE), recorder);

        StateResult r = recorder.await(MINUTE);
        assertThat(r.success()).as(r.toString()).isTrue();
        assertThat(r.stdout()).isEqualTo(commands + "\n");
    }

    @Test
    void aNonZeroExitIsAFailureWithTheExitCodeAndOutput() {
        StateResult r = run("linux.cmd", params("cmd", "echo out; exit 3", "cwd", tmp));
        assertThat(r).isEqualTo(StateResult.failed("Command \"echo out; exit 3\" failed with exit code 3", "out\n"));
    }

    @Test
    void pathConditionsDecideWhetherTheCommandRuns() throws Exception {
        Path marker = tmp.resolve("ran");
        Path present = Files.createFile(tmp.resolve("present"));
        String cmd = "touch " + marker;

        JsonObject needsMissing = params("cmd", cmd, "cwd", tmp, "if-path-present", List.of(tmp.resolve("nope").toString()));
        JsonObject blockedByPresent = params("cmd", cmd, "cwd", tmp, "if-path-absent", List.of(present.toString()));
        JsonObject allowed = params("cmd", cmd, "cwd", tmp, "if-path-present", List.of(present.toString()),
                "if-path-absent", List.of(tmp.resolve("nope").toString()));

        assertThat(run("linux.cmd", needsMissing)).isEqualTo(
                StateResult.unchanged("onlyif condition is false: " + tmp.resolve("nope") + " does not exist"));
        assertThat(run("linux.cmd", blockedByPresent)).isEqualTo(
                StateResult.unchanged("onlyif condition is false: " + present + " exists"));
        assertThat(marker).doesNotExist();
        assertThat(run("linux.cmd", allowed).changed()).isTrue();
        assertThat(marker).exists();
    }

    @Test
    void theCommandTimeoutKillsItsTree() {
        ResultRecorder recorder = new ResultRecorder();
        String cmd = "sleep " + sleeps.token() + " & sleep " + sleeps.token();
        executor.start(request("linux.cmd", params("cmd", cmd, "cwd", tmp, "timeout", 1), false, MINUTE), recorder);
        List<Long> tree = awaitSleeps();

        StateResult r = recorder.await();

        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("Command \"" + cmd + "\" timed out after 1 s; killed ");
        assertAllDead(tree);
    }

    @Test
    void cancelKillsTheCommandAndItsBackgroundChildren() {
        ResultRecorder recorder = new ResultRecorder();
        String cmd = "sleep " + sleeps.token() + " & sleep " + sleeps.token();
        StateExecution execution = executor.start(request("linux.cmd", params("cmd", cmd, "cwd", tmp), false, MINUTE), recorder);
        List<Long> tree = awaitSleeps();

        execution.cancel();

        StateResult r = recorder.await();
        assertThat(r.comment()).startsWith("cancelled; killed ");
        assertThat(r.success()).isFalse();
        assertAllDead(tree);
        execution.cancel();
        assertThat(recorder.calls()).isEqualTo(1);
    }

    @Test
    void aFloodOfOutputIsCappedWhileReading() {
        StateResult r = run("linux.cmd", params("cmd", "head -c 104857600 /dev/zero | tr '\\000' x", "cwd", tmp));
        assertThat(r.success()).isTrue();
        assertThat(r.stdout().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64 * 1024);
        assertThat(r.stdout()).startsWith("xxxx").endsWith("xxxx").contains("bytes omitted ...]");
    }

    @Test
    void aCommandRunsAsTheRequestedUserWhenRunningAsRoot() {
        assumeTrue(isRoot(), "needs root");
        StateResult r = run("linux.cmd", params("cmd", "id -un", "cwd", "/", "user", "nobody"));
        assertThat(r.stdout()).isEqualTo("nobody\n");
    }

    @Test
    void anotherUserIsRefusedWhenNotRunningAsRoot() {
        assumeTrue(!isRoot(), "needs a non-root agent");
        StateResult r = run("linux.cmd", params("cmd", "id -un", "cwd", "/", "user", "root"));
        assertThat(r.comment()).startsWith("linux.cmd: parameter 'user' asks to run as 'root', which needs the agent to run as root");
    }

    @Test
    void aMissingWorkingDirectoryFails() {
        Path missing = tmp.resolve("missing");
        assertThat(run("linux.cmd", params("cmd", "true", "cwd", missing)).comment())
                .isEqualTo("Desired working directory \"" + missing + "\" is not available");
    }

    // ---------------------------------------------------------------- dry run

    @Test
    void aDryRunReportsWhatWouldChangeAndTouchesNothing() throws Exception {
        Path existing = Files.writeString(tmp.resolve("existing"), "old");
        Files.setAttribute(existing, "unix:mode", 0600);
        Path linkDir = Files.createDirectory(tmp.resolve("links"));
        Files.createSymbolicLink(linkDir.resolve("current"), Path.of("/elsewhere"));
        Path oldDir = Files.createDirectories(tmp.resolve("old/deep"));
        Map<String, String> before = snapshot();

        StateResult newFile = dryRun("linux.file", params("path", tmp.resolve("new"), "content", "x"));
        StateResult changedFile = dryRun("linux.file", params("path", existing, "content", "new"));
        StateResult dir = dryRun("linux.dir", params("path", tmp.resolve("a/b").toString()));
        StateResult link = dryRun("linux.symlink", params("source", "/opt", "target", linkDir.resolve("current")));
        StateResult removal = dryRun("linux.dir", params("path", oldDir.getParent().toString(), "absent", true));
        StateResult cmd = dryRun("linux.cmd", params("cmd", "touch " + tmp.resolve("touched"), "cwd", tmp));
        StateResult unchanged = dryRun("linux.file", params("path", existing, "content", "old", "mode", "0600"));

        assertThat(snapshot()).isEqualTo(before);
        assertThat(newFile).isEqualTo(StateResult.changed("The file " + tmp.resolve("new") + " is set to be changed\nChanges: new file", null));
        assertThat(changedFile.comment()).isEqualTo("The file " + existing + " is set to be changed\nChanges: content, mode 0600 -> 0644");
        assertThat(dir.comment()).isEqualTo("The directory " + tmp.resolve("a/b") + " is set to be changed\nChanges: new directory");
        assertThat(link.comment()).startsWith("Symlink " + linkDir.resolve("current") + " is set to be changed to point to /opt");
        assertThat(removal.comment()).isEqualTo("Directory " + oldDir.getParent() + " is set for removal");
        assertThat(cmd.comment()).isEqualTo("Command \"touch " + tmp.resolve("touched") + "\" would have been executed");
        for (StateResult r : List.of(newFile, changedFile, dir, link, removal, cmd)) {
            assertThat(r.success()).isTrue();
            assertThat(r.changed()).isTrue();
        }
        assertThat(unchanged.changed()).isFalse();
    }

    // ---------------------------------------------------------------- bad input and other modules

    @Test
    void badInputFailsWithACommentNamingTheParameter() {
        assertThat(run("linux.file", params("content", "x")).comment()).isEqualTo("linux.file: missing required parameter 'path'");
        assertThat(run("linux.file", params("path", tmp.resolve("f"), "mode", true)).comment())
                .isEqualTo("linux.file: parameter 'mode' must be an octal file mode such as \"0644\" (a string or a number), got boolean true");
        assertThat(run("linux.file", params("path", tmp.resolve("f"), "mode", "rw-r--r--")).comment())
                .contains("parameter 'mode' must be an octal file mode");
        assertThat(run("linux.dir", params("path", List.of("relative/dir"))).comment())
                .isEqualTo("linux.dir: parameter 'path' must be an absolute path, got \"relative/dir\"");
        assertThat(run("linux.cmd", params("cmd", "true", "timeout", "abc")).comment())
                .isEqualTo("linux.cmd: parameter 'timeout' must be a whole number, got string \"abc\"");
        assertThat(run("linux.symlink", params("target", tmp.resolve("l"))).comment())
                .isEqualTo("linux.symlink: missing required parameter 'source'");
        assertThat(run("linux.file", params("path", tmp.resolve("f"), "absent", "maybe")).comment())
                .isEqualTo("linux.file: parameter 'absent' must be a boolean (true or false), got string \"maybe\"");
    }

    @Test
    void aModuleWithoutABuiltinImplementationSaysToInstallSalt() {
        StateResult r = run("linux.apt.package", params("name", List.of("nginx")));
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("module linux.apt.package is not supported by the built-in executor "
                + "(it supports linux.file, linux.dir, linux.symlink, linux.cmd); install Salt (salt-call) to apply it");
    }

    @Test
    void metaStatesFailClearly() {
        assertThat(run("meta.wait", params("state", List.of("@{host.state.1}"))).comment())
                .isEqualTo("meta.wait is handled by the round machine itself and must never reach an executor");
    }

    @Test
    void startReturnsBeforeTheWorkIsDone() {
        ResultRecorder recorder = new ResultRecorder();
        String cmd = "sleep " + sleeps.token();
        StateExecution execution = executor.start(request("linux.cmd", params("cmd", cmd, "cwd", tmp), false, MINUTE), recorder);
        assertThat(recorder.isDone()).isFalse();
        execution.cancel();
        assertThat(recorder.await().comment()).startsWith("cancelled");
    }

    // ---------------------------------------------------------------- helpers

    private List<Long> awaitSleeps() {
        Await.until(() -> sleeps.pidsRunning("sleep").size() == 2, Duration.ofSeconds(20), "two sleeps of " + sleeps.token());
        return new ArrayList<>(sleeps.pids());
    }

    private static void assertAllDead(List<Long> pids) {
        for (long pid : pids) {
            Await.until(() -> !ProcessProbe.alive(pid), Duration.ofSeconds(10), "pid " + pid + " to be gone");
        }
    }

    private StateResult run(String module, JsonObject parameter) {
        return execute(request(module, parameter, false, MINUTE));
    }

    private StateResult dryRun(String module, JsonObject parameter) {
        return execute(request(module, parameter, true, MINUTE));
    }

    private StateResult execute(StateRequest request) {
        ResultRecorder recorder = new ResultRecorder();
        executor.start(request, recorder);
        StateResult r = recorder.await();
        assertThat(recorder.calls()).isEqualTo(1);
        return r;
    }

    private static StateRequest request(String module, JsonObject parameter, boolean dryRun, Duration timeout) {
        return new StateRequest(3, io.opsagent.fsm.testutil.Json.state("s1", module, parameter), dryRun, timeout);
    }

    /** Parameters from name/value pairs: strings, paths, booleans, numbers and lists of strings. */
    private static JsonObject params(Object... pairs) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < pairs.length; i += 2) {
            String name = (String) pairs[i];
            Object v = pairs[i + 1];
            if (v instanceof Boolean) {
                o.addProperty(name, (Boolean) v);
            } else if (v instanceof Number) {
                o.addProperty(name, (Number) v);
            } else if (v instanceof List) {
                JsonArray a = new JsonArray();
                for (Object item : (List<?>) v) {
                    a.add(item.toString());
                }
                o.add(name, a);
            } else {
                o.addProperty(name, v.toString());
            }
        }
        return o;
    }

    private static JsonArray keyValues(Map<String, String> entries) {
        JsonArray a = new JsonArray();
        new TreeMap<>(entries).forEach((k, v) -> {
            JsonObject kv = new JsonObject();
            kv.addProperty("key", k);
            kv.addProperty("value", v);
            a.add(kv);
        });
        return a;
    }

    private static String mode(Path p) throws IOException {
        return Integer.toOctalString(((Integer) Files.getAttribute(p, "unix:mode")) & 07777);
    }

    /** Every entry below tmp with its type, mode, size and link target: what a dry run must not change. */
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(tmp)) {
            for (Path p : s.toList()) {
                String info = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : (Files.isDirectory(p) ? "dir " : "file " + Files.size(p) + " ")
                        + Integer.toOctalString(((Integer) Files.getAttribute(p, "unix:mode")) & 07777)
                        + " " + Files.getLastModifiedTime(p);
                out.put(tmp.relativize(p).toString(), info);
            }
        }
        return out;
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The primary group of user nobody: nogroup on Debian, nobody elsewhere. */
    private static String nobodyGroup() throws IOException {
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        for (String name : List.of("nogroup", "nobody")) {
            try {
                GroupPrincipal g = lookup.lookupPrincipalByGroupName(name);
                return g.getName();
            } catch (IOException e) {
                // try the next name
            }
        }
        throw new IOException("no group for nobody");
    }
}
