package io.opsagent.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.launcher.config.ExecutorKind;
import io.opsagent.launcher.host.FileModes;
import io.opsagent.launcher.host.HostLayout;
import io.opsagent.launcher.host.InstanceLock;
import io.opsagent.launcher.status.StatusFile;
import io.opsagent.launcher.testing.StatusSamples;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTest {

    private static final long DEADLINE_SECONDS = 30;

    @TempDir
    Path root;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final FakeShutdownHooks hooks = new FakeShutdownHooks();
    private final RecordingRuntime runtime = new RecordingRuntime(ExitCodes.OK);

    private Launcher launcher(AgentRuntime runtime, Map<String, String> environment) {
        return new Launcher(() -> runtime, environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), hooks,
                Clock.fixed(Instant.parse("2026-11-26T16:40:06Z"), ZoneOffset.UTC));
    }

    private Launcher launcher() {
        return launcher(runtime, Map.of());
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path writeConfig(String text) throws IOException {
        Path file = root.resolve("etc/opsagent.conf");
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static final String CONFIG = "[userdata]\nws_uri = ws://127.0.0.1:9/agent\napp_id = app-1\n"
            + "[global]\nloglvl = DEBUG\n";

    // ---------------------------------------------------------------- arguments

    @Test
    void noArgumentsPrintsTheUsageOnStderrAndExits1() {
        int code = launcher().execute();

        assertThat(code).isEqualTo(1);
        assertThat(err()).startsWith("opsagent: no command given\n\nUsage: opsagent <command> [options]\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void aWrongOptionPrintsWhatIsWrongAndTheUsage() {
        int code = launcher().execute("run", "--conf", "x");

        assertThat(code).isEqualTo(1);
        assertThat(err()).startsWith("opsagent: run: unknown option '--conf' (did you mean '--config'?)\n\n"
                + "Usage: opsagent run [-h] [--config=FILE] [--root=DIR]\n");
        assertThat(runtime.started.getCount()).isEqualTo(1);
    }

    @Test
    void theHelpOfOneCommandGoesToStdoutAndExits0() {
        assertThat(launcher().execute("run", "--help")).isZero();
        assertThat(out()).startsWith("Usage: opsagent run [-h] [--config=FILE] [--root=DIR]\n")
                .contains("Run the agent in the foreground");
        assertThat(launcher().execute("help", "status")).isZero();
        assertThat(out()).contains("Usage: opsagent status [-h] [--json] [--root=DIR]\n");
        assertThat(runtime.started.getCount()).isEqualTo(1);
        assertThat(err()).isEmpty();
    }

    @Test
    void theVersionOptionPrintsWhatTheVersionCommandPrints() {
        assertThat(launcher().execute("--version")).isZero();
        assertThat(launcher().execute("version")).isZero();

        String both = out();
        assertThat(both.substring(0, both.length() / 2)).isEqualTo(both.substring(both.length() / 2))
                .startsWith("opsagent ");
    }

    @Test
    void completionPrintsABashScriptThatKnowsEveryCommandAndOption() {
        assertThat(launcher().execute("completion")).isZero();

        assertThat(out()).startsWith("#!/usr/bin/env bash")
                .contains("complete -F _complete_opsagent", "release-sign", "--dry-run", "--executor",
                        "(\"auto\" \"salt\" \"native\")");
        assertThat(err()).isEmpty();
    }

    @Test
    void helpGoesToStdoutAndExits0() {
        assertThat(launcher().execute("help")).isZero();
        assertThat(out()).startsWith("Usage: opsagent");
        assertThat(err()).isEmpty();
    }

    @Test
    void versionPrintsTheBuildVersion() {
        assertThat(launcher().execute("version")).isZero();

        assertThat(out()).matches("(?s)opsagent \\d+\\.\\d+\\.\\d+\\S*\nJava .+\n");
        assertThat(Version.current()).isNotEqualTo("unknown");
    }

    // ---------------------------------------------------------------- run

    @Test
    void runPreparesTheHostHandsOverAndStopsOnTheSignal() throws Exception {
        Path config = writeConfig(CONFIG);
        Launcher launcher = launcher();

        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> launcher.execute("run", "--root", root.toString()));
        assertThat(runtime.awaitStarted()).as("runtime started").isTrue();

        HostLayout layout = runtime.context.host();
        assertThat(layout).isEqualTo(HostLayout.of(root, runtime.context.config()));
        assertThat(layout.configFile()).isEqualTo(config);
        assertThat(runtime.context.config().userdata().appId()).contains("app-1");
        assertThat(runtime.context.agentVersion()).isEqualTo(Version.current());
        assertThat(runtime.context.status().file()).isEqualTo(root.resolve("var/lib/visualops/status.json"));
        assertThat(mode(root.resolve("var/lib/visualops"))).isEqualTo(0700);
        assertThat(mode(root.resolve("etc/opsagent.token"))).isEqualTo(0600);
        String token = runtime.context.token().orElseThrow().reveal();
        assertThat(InstanceLock.probe(layout.lockFile()).state()).isEqualTo(InstanceLock.State.HELD);
        assertThat(hooks.registered()).isEqualTo(1);

        CompletableFuture<Void> signal = CompletableFuture.runAsync(hooks::fire);
        assertThat(exit.get(DEADLINE_SECONDS, TimeUnit.SECONDS)).isZero();
        signal.get(DEADLINE_SECONDS, TimeUnit.SECONDS);

        assertThat(runtime.stops.get()).isEqualTo(1);
        assertThat(hooks.registered()).isZero();
        assertThat(InstanceLock.probe(layout.lockFile()).state()).isEqualTo(InstanceLock.State.FREE);
        String log = logOnceItHas("opsagent stopped on a signal");
        assertThat(log).contains("opsagent " + Version.current() + " starting: pid " + ProcessHandle.current().pid()
                        + ", config " + config + ", root " + root,
                "created token file " + root.resolve("etc/opsagent.token") + " (mode 0600)",
                "backend ws://127.0.0.1:9/agent, app app-1, executor auto, round interval 10m",
                "runtime got AgentContext[", "InstanceToken[" + root.resolve("etc/opsagent.token") + ", value redacted]",
                "stop requested (SIGTERM or SIGINT); stopping the agent",
                "opsagent stopped on a signal; the process exits with 128 + its number (143 for SIGTERM, 130 for"
                        + " SIGINT)");
        assertThat(log).as("the JVM exits 143 or 130 after a signal, never 0").doesNotContain("exit code 0");
        assertThat(log).doesNotContain(token);
        assertThat(out() + err()).doesNotContain(token);
    }

    @Test
    void theRuntimesExitCodeIsTheProcesssExitCode() throws Exception {
        writeConfig(CONFIG);
        RecordingRuntime upgrading = new RecordingRuntime(ExitCodes.RESTART_FOR_UPGRADE);
        Launcher launcher = launcher(upgrading, Map.of(Launcher.ROOT_VARIABLE, root.toString()));

        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> launcher.execute("run"));
        assertThat(upgrading.awaitStarted()).isTrue();
        upgrading.stop();

        assertThat(exit.get(DEADLINE_SECONDS, TimeUnit.SECONDS)).isEqualTo(75);
        assertThat(upgrading.context.host().root()).isEqualTo(root);
    }

    @Test
    void anInvalidConfigurationStopsBeforeTouchingTheHost() throws IOException {
        Path config = writeConfig("[userdata]\nws_uri = ws://h/\napp_id = a\n[round]\ninterval = 5x\n");

        int code = launcher().execute("run", "--root", root.toString());

        assertThat(code).isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: " + config
                + ":5: [round] interval: '5x' is not a duration (use e.g. 500ms, 5s, 10m)\n");
        assertThat(root.resolve("var")).doesNotExist();
        assertThat(root.resolve("etc/opsagent.token")).doesNotExist();
        assertThat(runtime.started.getCount()).isEqualTo(1);
    }

    @Test
    void aMissingConfigurationIsAnErrorNotTheDefaults() {
        int code = launcher().execute("run", "--root", root.toString());

        assertThat(code).isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: " + root.resolve("etc/opsagent.conf") + ": no such file\n");
    }

    @Test
    void runNeedsTheBackendsUri() throws IOException {
        Path config = writeConfig("[userdata]\napp_id = a\n");

        assertThat(launcher().execute("run", "--root", root.toString(), "--config", config.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: " + config + ": [userdata] ws_uri: missing; 'opsagent run' needs the "
                + "backend's URI (ws:// or wss://)\n");
    }

    @Test
    void runRefusesAGroupReadableToken() throws IOException {
        writeConfig(CONFIG);
        Path token = root.resolve("etc/opsagent.token");
        Files.writeString(token, "secret-token-value");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r-----"));

        assertThat(launcher().execute("run", "--root", root.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: token file " + token + " has mode 0640: group and others must have no "
                + "access to it; fix it with: chmod 600 " + token + "\n");
        assertThat(runtime.started.getCount()).isEqualTo(1);
    }

    @Test
    void aSecondAgentOnTheSameRootExits1() throws IOException {
        writeConfig(CONFIG);
        HostLayout layout = HostLayout.defaults(root);
        Files.createDirectories(layout.stateDir());

        try (InstanceLock first = InstanceLock.acquire(layout.lockFile())) {
            assertThat(launcher().execute("run", "--root", root.toString())).isEqualTo(1);
        }

        assertThat(err()).isEqualTo("opsagent: another opsagent is already running: pid " + ProcessHandle.current().pid()
                + " holds " + layout.lockFile() + "; stop it first, or use another --root\n");
        assertThat(runtime.started.getCount()).isEqualTo(1);
    }

    @Test
    void theLauncherRunsTheLibrarysAgent() {
        assertThat(AgentRuntimes.create()).isInstanceOf(io.opsagent.launcher.runtime.LibraryRuntime.class);
    }

    // ---------------------------------------------------------------- apply

    @Test
    void applyRunsWithBuiltInDefaultsWhenThereIsNoConfigurationFile() throws IOException {
        Path recipe = root.resolve("recipe.json");
        Files.writeString(recipe, "{\"recipe_version\": 1, \"state\": []}");
        RecordingRuntime failing = new RecordingRuntime(ExitCodes.STATE_FAILED);

        int code = launcher(failing, Map.of()).execute("apply", recipe.toString(), "--root", root.toString(),
                "--executor", "native", "--dry-run", "--json");

        assertThat(code).isEqualTo(2);
        assertThat(failing.applyRequest).isEqualTo(new ApplyRequest(recipe, true, true));
        assertThat(failing.context.config().source()).isEmpty();
        assertThat(failing.context.config().executor()).isEqualTo(ExecutorKind.NATIVE);
        assertThat(failing.context.token()).isEmpty();
        assertThat(out()).isEqualTo("applied recipe.json\n");
        assertThat(root.resolve("etc/opsagent.token")).doesNotExist();
        assertThat(root.resolve("var/log/visualops/agent.log")).doesNotExist();
    }

    @Test
    void applyUsesTheHostsConfigurationWhenItExists() throws IOException {
        Path config = writeConfig("[executor]\nkind = salt\n");
        Path recipe = root.resolve("recipe.json");
        Files.writeString(recipe, "{}");

        assertThat(launcher().execute("apply", recipe.toString(), "--root", root.toString())).isZero();

        assertThat(runtime.context.config().source()).contains(config);
        assertThat(runtime.context.config().executor()).isEqualTo(ExecutorKind.SALT);
        assertThat(runtime.applyRequest).isEqualTo(new ApplyRequest(recipe, false, false));
    }

    @Test
    void applyChecksTheRecipeFirst() throws IOException {
        Path missing = root.resolve("missing.json");
        assertThat(launcher().execute("apply", missing.toString(), "--root", root.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: recipe " + missing + ": no such file\n");

        err.reset();
        Path broken = root.resolve("broken.json");
        Files.writeString(broken, "{\"state\": [\n  {\"id\": 1,,}\n]}");
        assertThat(launcher().execute("apply", broken.toString(), "--root", root.toString())).isEqualTo(1);
        assertThat(err()).startsWith("opsagent: recipe " + broken + " is not valid JSON: ").contains("line 2");

        err.reset();
        Path number = root.resolve("number.json");
        Files.writeString(number, "42");
        assertThat(launcher().execute("apply", number.toString(), "--root", root.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: recipe " + number
                + " is neither a RecipeMetadata object nor an array of states\n");

        assertThat(runtime.started.getCount()).isEqualTo(1);
    }

    @Test
    void applyWithAnExplicitMissingConfigurationIsAnError() throws IOException {
        Path recipe = root.resolve("r.json");
        Files.writeString(recipe, "{}");

        assertThat(launcher().execute("apply", recipe.toString(), "--config", root.resolve("x.conf").toString(),
                "--root", root.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: " + root.resolve("x.conf") + ": no such file\n");
    }

    // ---------------------------------------------------------------- config

    @Test
    void configShowsEverySettingWithItsOriginAndMasksAPassword() throws IOException {
        Path config = writeConfig("[userdata]\nws_uri = wss://agent:pa55w0rd@backend.example/agent/\napp_id = app-1\n"
                + "[network]\nclient_cert = /etc/opsagent/host.crt\nclient_key = /etc/opsagent/host.key\n");

        int code = launcher(runtime, Map.of("OPSAGENT_ROUND_INTERVAL", "90s")).execute("config", "--root",
                root.toString());

        assertThat(code).isZero();
        assertThat(out()).doesNotContain("pa55w0rd")
                .containsPattern("\\[userdata] ws_uri = wss://agent:\\*\\*\\*\\*@backend.example/agent/ +\\(" + config + ":2\\)\n")
                .containsPattern("\\[userdata] app_id = app-1 +\\(" + config + ":3\\)\n")
                .containsPattern("\\[round] interval = 90s +\\(environment variable OPSAGENT_ROUND_INTERVAL\\)\n")
                .containsPattern("\\[network] ping_interval = 30s +\\(built-in default\\)\n")
                .containsPattern("\\[network] client_cert = /etc/opsagent/host.crt +\\(" + config + ":5\\)\n")
                .containsPattern("\\[network] client_key = /etc/opsagent/host.key +\\(" + config + ":6\\)\n")
                .doesNotContain("[module]");
        assertThat(root.resolve("var")).as("config prepares nothing").doesNotExist();

        out.reset();
        assertThat(launcher(runtime, Map.of()).execute("config", "--root", root.toString(), "--json")).isZero();
        JsonObject first = JsonParser.parseString(out()).getAsJsonArray().get(0).getAsJsonObject();
        assertThat(first.get("key").getAsString()).isEqualTo("[userdata] ws_uri");
        assertThat(first.get("value").getAsString()).isEqualTo("wss://agent:****@backend.example/agent/");
        assertThat(first.get("origin").getAsString()).isEqualTo("file");
    }

    // ---------------------------------------------------------------- demo

    @Test
    void demoRunsInAFolderOfItsOwnAndRemovesItAfterwards() {
        assertThat(launcher().execute("demo", "--rounds", "2")).isZero();

        assertThat(runtime.demoRequest).isEqualTo(new DemoRequest(2));
        Path demoRoot = runtime.context.host().root();
        assertThat(demoRoot.getFileName().toString()).startsWith("opsagent-demo-");
        assertThat(runtime.demoStateDirExisted).as("the state directory while the demo ran").isTrue();
        assertThat(runtime.context.config().userdata().wsUri()).isEmpty();
        assertThat(demoRoot).as("the demo's folder after it ended").doesNotExist();
    }

    // ---------------------------------------------------------------- status

    @Test
    void statusWithoutAnAgentExits3() {
        int code = launcher().execute("status", "--root", root.toString());

        assertThat(code).isEqualTo(3);
        assertThat(out()).isEqualTo("agent       not running\nstatus      none yet ("
                + root.resolve("var/lib/visualops/status.json") + " does not exist)\n");
    }

    @Test
    void statusReportsWhatTheRunningAgentWrote() throws IOException {
        HostLayout layout = HostLayout.defaults(root);
        Files.createDirectories(layout.stateDir());
        new StatusFile(layout.statusFile()).write(StatusSamples.executing());

        try (InstanceLock lock = InstanceLock.acquire(layout.lockFile())) {
            assertThat(launcher().execute("status", "--root", root.toString())).isZero();
            assertThat(out()).startsWith("agent       running (pid " + ProcessHandle.current().pid() + ")\n")
                    .contains("round       EXECUTING\n", "outbox      5 StateLogs waiting for the backend\n");

            out.reset();
            assertThat(launcher().execute("status", "--json", "--root", root.toString())).isZero();
            JsonObject json = JsonParser.parseString(out()).getAsJsonObject();
            assertThat(json.get("running").getAsBoolean()).isTrue();
            assertThat(json.get("lock_pid").getAsLong()).isEqualTo(ProcessHandle.current().pid());
            assertThat(json.getAsJsonObject("status").get("round_state").getAsString()).isEqualTo("EXECUTING");
        }
    }

    @Test
    void aBrokenStatusFileIsAnError() throws IOException {
        HostLayout layout = HostLayout.defaults(root);
        Files.createDirectories(layout.stateDir());
        Files.writeString(layout.statusFile(), "garbage");

        assertThat(launcher().execute("status", "--root", root.toString())).isEqualTo(1);
        assertThat(err()).startsWith("opsagent: status file " + layout.statusFile() + " is not valid JSON");
    }

    @Test
    void aRootThatIsNotADirectoryIsAnError() {
        Path missing = root.resolve("nope");

        assertThat(launcher().execute("status", "--root", missing.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: root " + missing + " is not a directory (--root)\n");

        err.reset();
        assertThat(launcher(runtime, Map.of(Launcher.ROOT_VARIABLE, missing.toString())).execute("status"))
                .isEqualTo(1);
        assertThat(err()).isEqualTo("opsagent: root " + missing + " is not a directory (OPSAGENT_ROOT)\n");
    }

    private static int mode(Path p) throws IOException {
        return FileModes.mode(Files.getPosixFilePermissions(p));
    }

    /**
     * The daemon's log once it holds {@code line}: its lines go through an asynchronous appender,
     * which only the JVM's own stop hook drains, so the last ones reach the file a moment later.
     */
    private String logOnceItHas(String line) throws IOException {
        Path file = root.resolve("var/log/visualops/agent.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        String log = Files.readString(file);
        while (!log.contains(line) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            log = Files.readString(file);
        }
        return log;
    }
}
