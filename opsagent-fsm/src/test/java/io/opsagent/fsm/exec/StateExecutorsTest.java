package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.internal.exec.Executables;
import io.opsagent.fsm.spi.StateExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateExecutorsTest {

    @TempDir
    Path tmp;

    @Test
    void kindParsesTheSettingValues() {
        assertThat(ExecutorKind.parse("auto")).isEqualTo(ExecutorKind.AUTO);
        assertThat(ExecutorKind.parse(" SALT ")).isEqualTo(ExecutorKind.SALT);
        assertThat(ExecutorKind.parse("Native")).isEqualTo(ExecutorKind.NATIVE);
        assertThat(ExecutorKind.NATIVE.value()).isEqualTo("native");
        assertThatThrownBy(() -> ExecutorKind.parse("puppet"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("executor kind must be one of auto, salt, native, got \"puppet\"");
        assertThatThrownBy(() -> ExecutorKind.parse(null)).hasMessageEndingWith("got \"null\"");
    }

    /** The snippet of docs/executors.md, "Choosing an executor"; ExecutorsDocTest checks the doc quotes it. */
    @Test
    void theDocSnippetBuildsAnExecutorFromConfigValues() {
        String kindFromConfig = "native";
        Path saltCallOrNull = null;
        Path saltConfigDirOrNull = null;
        Path workDirOrNull = null;
        // snippet: choosing-an-executor
        ExecutorSettings settings = new ExecutorSettings(
                ExecutorKind.parse(kindFromConfig),  // "auto" | "salt" | "native"; anything else: IllegalArgumentException
                saltCallOrNull,                      // Path of salt-call; null: search PATH
                saltConfigDirOrNull,                 // agent's own Salt config dir (see below); null: Salt's default
                workDirOrNull,                       // parent of the per-call private dirs; null: java.io.tmpdir
                SaltWorkerSettings.defaults());      // the resident Salt worker (optional argument; see below)
        StateExecutor executor = StateExecutors.create(settings);
        // end snippet
        assertThat(executor).isInstanceOf(NativeExecutor.class);
    }

    @Test
    void nativeGivesTheBuiltinExecutor() {
        assertThat(StateExecutors.create(ExecutorSettings.defaults().withKind(ExecutorKind.NATIVE))).isInstanceOf(NativeExecutor.class);
    }

    @Test
    void saltUsesTheConfiguredSaltCall() throws Exception {
        Path saltCall = executable("salt-call");
        StateExecutor e = StateExecutors.create(new ExecutorSettings(ExecutorKind.SALT, saltCall, null, tmp));
        assertThat(e).isInstanceOf(SaltCallExecutor.class);
        assertThat(((SaltCallExecutor) e).saltCall()).isEqualTo(saltCall);
    }

    @Test
    void saltWithoutSaltCallFailsToStart() {
        Path missing = tmp.resolve("salt-call");
        assertThatThrownBy(() -> StateExecutors.create(new ExecutorSettings(ExecutorKind.SALT, missing, null, null)))
                .isInstanceOf(OpsAgentException.class)
                .hasMessage("executor kind salt: salt-call not found at " + missing + " (missing or not executable)");
    }

    @Test
    void autoPrefersSaltAndFallsBackToTheBuiltinExecutor() throws Exception {
        Path saltCall = executable("salt-call");
        assertThat(StateExecutors.create(new ExecutorSettings(ExecutorKind.AUTO, saltCall, null, null))).isInstanceOf(SaltCallExecutor.class);
        assertThat(StateExecutors.create(new ExecutorSettings(ExecutorKind.AUTO, tmp.resolve("none"), null, null)))
                .isInstanceOf(NativeExecutor.class);
    }

    @Test
    void saltCallIsSearchedOnThePathLikeAShellDoes() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bin"));
        Path notExecutable = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(notExecutable.resolve("salt-call"), "#!/bin/sh\n");
        Path saltCall = Files.writeString(dir.resolve("salt-call"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(saltCall, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThat(Executables.findOnPath("salt-call", notExecutable + ":" + dir)).contains(saltCall);
        assertThat(Executables.findOnPath("salt-call", notExecutable.toString())).isEmpty();
        assertThat(Executables.findOnPath("salt-call", "")).isEmpty();
    }

    @Test
    void theNativeModulesAreASubsetOfTheSaltModules() {
        assertThat(SaltCallExecutor.supportedModules()).containsAll(NativeExecutor.supportedModules());
    }

    private Path executable(String name) throws Exception {
        Path p = Files.writeString(tmp.resolve(name), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
