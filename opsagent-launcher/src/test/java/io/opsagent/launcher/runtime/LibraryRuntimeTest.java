package io.opsagent.launcher.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.launcher.Launcher;
import io.opsagent.launcher.config.ConfigLoader;
import io.opsagent.launcher.ShutdownHooks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code apply} and {@code demo} through the launcher, with the library's real agent and executors. */
@Timeout(120)
class LibraryRuntimeTest {

    @TempDir
    Path root;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int opsagent(String... args) {
        return opsagent(Map.of(), args);
    }

    private int opsagent(Map<String, String> environment, String... args) {
        return opsagent(LibraryRuntime::new, environment, args);
    }

    private int opsagent(java.util.function.Supplier<io.opsagent.launcher.AgentRuntime> runtime,
            Map<String, String> environment, String... args) {
        Launcher launcher = new Launcher(runtime, environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), (name, action) -> () -> true, Clock.systemUTC());
        return launcher.execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    static Stream<Path> examples() throws IOException {
        return Files.list(Path.of("..", "config", "examples")).filter(p -> p.toString().endsWith(".json")).sorted();
    }

    /** The example with its /tmp paths moved under this test's folder. */
    private Path local(Path example) throws IOException {
        String text = Files.readString(example).replace("/tmp/", root.resolve("files").toString() + "/");
        Path copy = root.resolve(example.getFileName());
        Files.writeString(copy, text);
        return copy;
    }

    private JsonObject json() {
        return JsonParser.parseString(out()).getAsJsonObject();
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleRecipeApplies(Path example) throws IOException {
        int code = opsagent("apply", local(example).toString(), "--root", root.toString(), "--executor", "native",
                "--json");

        assertThat(code).as(out() + err).isZero();
        JsonObject result = json();
        assertThat(result.get("ok").getAsBoolean()).isTrue();
        for (JsonElement state : result.getAsJsonArray("states")) {
            assertThat(state.getAsJsonObject().get("result").getAsBoolean()).as(state.toString()).isTrue();
            assertThat(state.getAsJsonObject().keySet())
                    .containsExactly("id", "module", "result", "changed", "duration_ms", "comment", "stdout");
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void aDryRunOnAFreshHostSaysWouldChangeWhereAnEarlierStateMakesTheParent(Path example) throws IOException {
        int code = opsagent("apply", local(example).toString(), "--root", root.toString(), "--executor", "native",
                "--dry-run", "--json");

        assertThat(code).as(out() + err).isZero();
        for (JsonElement state : json().getAsJsonArray("states")) {
            JsonObject s = state.getAsJsonObject();
            assertThat(s.get("result").isJsonNull() || s.get("result").getAsBoolean()).as(s.toString()).isTrue();
        }
        assertThat(root.resolve("files")).as("a dry run changes nothing").doesNotExist();
    }

    @Test
    void theMutualTlsFilesOfTheConfigurationReachTheConnection() throws IOException {
        Path file = root.resolve("opsagent.conf");
        Files.writeString(file, "[userdata]\nws_uri = wss://127.0.0.1:1/agent/\napp_id = app\n[network]\n"
                + "client_cert = /etc/opsagent/host.crt\nclient_key = /etc/opsagent/host.key\n");
        ConnectionSettings settings =
                LibraryRuntime.connectionSettings(new ConfigLoader(root, Map.of()).load(file).config()).build();
        assertThat(settings.clientCertPem()).isEqualTo(Path.of("/etc/opsagent/host.crt"));
        assertThat(settings.clientKeyPem()).isEqualTo(Path.of("/etc/opsagent/host.key"));
        assertThat(settings.clientKeyStore()).isNull();
    }

    @Test
    void secondApplyChangesNothingAndDryRunReportsWouldChangeWithoutChanging() throws IOException {
        Path recipe = local(Path.of("..", "config", "examples", "apply-local.json"));
        Path file = root.resolve("files/opsagent-example/hello.txt");

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString(), "--executor", "native")).isZero();
        assertThat(out()).contains("greeting").contains("every state succeeded");
        assertThat(Files.readString(file)).isEqualTo("hello from opsagent apply\n");

        out.reset();
        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString(), "--executor", "native", "--json"))
                .isZero();
        assertThat(json().getAsJsonArray("states").get(2).getAsJsonObject().get("changed").getAsBoolean())
                .as("a second run changes nothing").isFalse();

        Files.writeString(file, "edited by hand\n");
        out.reset();
        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString(), "--executor", "native", "--dry-run",
                "--json")).isZero();
        JsonObject greeting = json().getAsJsonArray("states").get(2).getAsJsonObject();
        assertThat(greeting.get("result").isJsonNull()).as("would change: " + greeting).isTrue();
        assertThat(Files.readString(file)).as("a dry run changes nothing").isEqualTo("edited by hand\n");
    }

    @Test
    void failingStateExitsTwoAndShowsWhatDidNotRun() throws IOException {
        Path recipe = root.resolve("fails.json");
        Files.writeString(recipe, "[{\"id\":\"ok\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"true\"}},"
                + "{\"id\":\"bad\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"echo broken >&2; exit 3\"}},"
                + "{\"id\":\"after\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"true\"}}]");

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString(), "--executor", "native", "--json"))
                .isEqualTo(2);
        JsonObject result = json();
        assertThat(result.get("ok").getAsBoolean()).isFalse();
        JsonArray states = result.getAsJsonArray("states");
        assertThat(states.get(0).getAsJsonObject().get("result").getAsBoolean()).isTrue();
        assertThat(states.get(1).getAsJsonObject().get("result").getAsBoolean()).isFalse();
        assertThat(states.get(1).getAsJsonObject().get("stdout").getAsString()).contains("broken");
        assertThat(states.get(2).getAsJsonObject().get("comment").getAsString())
                .isEqualTo("not run: an earlier state failed");
    }

    @Test
    void recipeWithAnUnknownFieldTypeIsAnInputErrorNamingTheField() throws IOException {
        Path recipe = root.resolve("bad.json");
        Files.writeString(recipe, "{\"recipe_version\":\"7\",\"state\":[]}");

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("recipe " + recipe + ": recipe_version: expected a positive integer");
    }

    @Test
    void demoRunsRoundsAgainstTheEmbeddedBackend() {
        int code = opsagent("demo", "--rounds", "2");

        assertThat(code).as(out() + err).isZero();
        assertThat(out()).contains("reference backend listening on ws://")
                .contains("the backend releases wait state wait-for-database")
                .contains("round 1 of recipe 1 succeeded")
                .contains("round 2 of recipe 1 succeeded")
                .contains("demo finished: 2 round(s), 14 StateLog(s) received by the backend");
        List<String> lines = out().lines().filter(l -> l.startsWith("  state check-site")).toList();
        assertThat(lines).hasSize(2).allMatch(l -> l.contains(" ok "));
    }

    @Test
    void applyStoppedByASignalKillsTheRunningStatesProcessesBeforeItReturns() throws Exception {
        String token = "3" + (ProcessHandle.current().pid() % 1000) + "1.5";
        Path recipe = root.resolve("long.json");
        Path started = root.resolve("started");
        Files.writeString(recipe, "[{\"id\":\"long\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"touch "
                + started + "; sleep " + token + "; true\",\"cwd\":\"" + root + "\"}}]");
        LibraryRuntime runtime = new LibraryRuntime();
        Launcher launcher = new Launcher(() -> runtime, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), (name, action) -> () -> true, Clock.systemUTC());
        java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> launcher.execute("apply", recipe.toString(), "--root", root.toString(), "--executor", "native"));
        io.opsagent.launcher.testing.FileEvents.awaitFile(started, java.time.Duration.ofSeconds(60));
        assertThat(sleeps(token)).as("the state's sleep").isNotEmpty();

        runtime.stop(); // what the shutdown hook does on SIGTERM or Ctrl-C
        int code = exit.get(60, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(code).isEqualTo(2);
        assertThat(sleeps(token)).as("processes of the state left alive when apply returned").isEmpty();
    }

    @Test
    void anInputErrorIsPrintedOnceNotAlsoLogged() throws Exception {
        Path recipe = root.resolve("twice.json");
        Files.writeString(recipe, "[{\"id\":\"a\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"true\"}},"
                + "{\"id\":\"a\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"true\"}}]");
        // In a process of its own, as a user runs it: the log and the "opsagent:" line share stderr.
        io.opsagent.launcher.testing.Processes.Result r = io.opsagent.launcher.testing.Processes.run(List.of(
                io.opsagent.launcher.testing.Processes.java(), "-cp", System.getProperty("java.class.path"),
                io.opsagent.launcher.Main.class.getName(), "apply", recipe.toString(), "--root", root.toString(),
                "--executor", "native"), Map.of(), root);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).as(r.toString()).contains("opsagent: recipe " + recipe + ": state[1].id: duplicate state id");
        assertThat(r.stderr().lines().filter(l -> l.contains("duplicate state id"))).as(r.toString()).hasSize(1);
    }

    @Test
    void aRecipeObjectWithoutStatesIsAnErrorNotAnEmptyRecipe() throws IOException {
        Path recipe = root.resolve("nostates.json");
        Files.writeString(recipe, "{\"recipe_version\": 3, \"states\": []}");

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("opsagent: recipe " + recipe
                + " has no \"state\" list: a RecipeMetadata object carries its states in \"state\"\n");
    }

    @Test
    void aRecipeThatIsNotUtf8SaysSo() throws IOException {
        Path recipe = root.resolve("latin1.json");
        Files.write(recipe, "[{\"id\":\"caf\u00e9\"}]".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("opsagent: recipe " + recipe
                + " is not UTF-8 text (byte 0xe9 at offset 11); save it as UTF-8\n");
    }

    private Path recipeWithProblems() throws IOException {
        Path recipe = root.resolve("problems.json");
        Files.writeString(recipe, "[{\"id\":\"first\",\"module\":\"linux.file\",\"parameter\":{\"path\":\""
                + root.resolve("written") + "\",\"content\":\"x\"}},"
                + "{\"id\":\"soon\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"true\",\"timeout\":\"soon\"}},"
                + "{\"id\":\"what\",\"module\":\"linux.unknown\",\"parameter\":{}}]");
        return recipe;
    }

    @Test
    void applyReportsEveryProblemOfTheRecipeAtOnceAndAppliesNothing() throws IOException {
        Path recipe = recipeWithProblems();

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString(), "--executor", "native")).isEqualTo(1);

        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("opsagent: recipe " + recipe + " has 2 problems:\n"
                + "  state 2 (soon, linux.cmd): linux.cmd: parameter 'timeout' must be a whole number, got string"
                + " \"soon\"\n"
                + "  state 3 (what, linux.unknown): module linux.unknown is not supported by the built-in executor (it"
                + " supports linux.file, linux.dir, linux.symlink, linux.cmd); install Salt (salt-call) to apply it\n"
                + "nothing of it was applied\n");
        assertThat(root.resolve("written")).as("the first, valid state did not run").doesNotExist();
    }

    @Test
    void checkReportsTheSameProblemsAndExits1OrSaysTheRecipeIsFine() throws IOException {
        Path recipe = recipeWithProblems();

        assertThat(opsagent("check", recipe.toString(), "--root", root.toString(), "--executor", "native")).isEqualTo(1);
        assertThat(out()).startsWith("recipe " + recipe + " has 2 problems:\n  state 2 (soon, linux.cmd): ")
                .contains("  state 3 (what, linux.unknown): ");
        assertThat(root.resolve("written")).doesNotExist();
        assertThat(root.resolve("var")).as("check prepares no host directory").doesNotExist();

        out.reset();
        Path example = local(Path.of("..", "config", "examples", "apply-local.json"));
        assertThat(opsagent("check", example.toString(), "--root", root.toString(), "--executor", "native")).isZero();
        assertThat(out()).isEqualTo("recipe " + example + ": 4 states, no problem found\n");
        assertThat(root.resolve("files")).as("nothing applied").doesNotExist();
    }

    /** A stand-in salt-call that only leaves a mark when it is run: a check must never run it. */
    private Map<String, String> standInSalt() throws IOException {
        Path saltCall = root.resolve("salt-call");
        Files.writeString(saltCall, "#!/bin/sh\ntouch '" + root.resolve("salt-ran") + "'\nexit 1\n");
        Files.setPosixFilePermissions(saltCall, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return Map.of("OPSAGENT_SALT_SALT_CALL", saltCall.toString());
    }

    private Path saltRecipeWithProblems() throws IOException {
        Path recipe = root.resolve("salt-problems.json");
        Files.writeString(recipe, "[{\"id\":\"first\",\"module\":\"linux.file\",\"parameter\":{\"path\":\""
                + root.resolve("written") + "\",\"content\":\"x\"}},"
                + "{\"id\":\"soon\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"true\",\"timeout\":\"soon\"}},"
                + "{\"id\":\"pkg\",\"module\":\"linux.apt.package\",\"parameter\":{}},"
                + "{\"id\":\"what\",\"module\":\"linux.unknown\",\"parameter\":{}}]");
        return recipe;
    }

    @Test
    void applyThroughSaltReportsEveryProblemOfTheRecipeAtOnceAndNeitherRunsSaltNorAppliesAnything() throws IOException {
        Map<String, String> salt = standInSalt();
        Path recipe = saltRecipeWithProblems();

        assertThat(opsagent(salt, "apply", recipe.toString(), "--root", root.toString(), "--executor", "salt"))
                .isEqualTo(1);

        String error = err.toString(StandardCharsets.UTF_8);
        assertThat(error).startsWith("opsagent: recipe " + recipe + " has 3 problems:\n"
                + "  state 2 (soon, linux.cmd): linux.cmd: parameter 'timeout' must be a whole number, got string"
                + " \"soon\"\n"
                + "  state 3 (pkg, linux.apt.package): linux.apt.package: missing required parameter 'name'\n"
                + "  state 4 (what, linux.unknown): module linux.unknown is not supported by the Salt executor;"
                + " supported modules: linux.apt.package, ").endsWith("\nnothing of it was applied\n");
        assertThat(root.resolve("written")).as("the first, valid state did not run").doesNotExist();
        assertThat(root.resolve("salt-ran")).as("salt-call was not run").doesNotExist();
    }

    @Test
    void checkThroughSaltReportsTheSameProblemsOrSaysTheRecipeIsFineWithoutRunningSalt() throws IOException {
        Map<String, String> salt = standInSalt();
        Path recipe = saltRecipeWithProblems();

        assertThat(opsagent(salt, "check", recipe.toString(), "--root", root.toString(), "--executor", "salt"))
                .isEqualTo(1);
        assertThat(out()).startsWith("recipe " + recipe + " has 3 problems:\n  state 2 (soon, linux.cmd): ")
                .contains("\n  state 3 (pkg, linux.apt.package): ", "\n  state 4 (what, linux.unknown): ");

        out.reset();
        Path example = local(Path.of("..", "config", "examples", "apply-local.json"));
        assertThat(opsagent(salt, "check", example.toString(), "--root", root.toString(), "--executor", "salt"))
                .isZero();
        assertThat(out()).isEqualTo("recipe " + example + ": 4 states, no problem found\n");
        assertThat(root.resolve("salt-ran")).as("salt-call was not run").doesNotExist();
        assertThat(root.resolve("files")).as("nothing applied").doesNotExist();
    }

    private Path oneCommand() throws IOException {
        Path recipe = root.resolve("one.json");
        Files.writeString(recipe, "[{\"id\":\"one\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"touch "
                + root.resolve("one") + "\"}}]");
        return recipe;
    }

    @Test
    void applyOnATerminalShowsTheRunningStateOnALiveLineClearedBeforeTheTable() throws IOException {
        Path recipe = oneCommand();
        Clock fixed = Clock.fixed(java.time.Instant.parse("2026-11-26T12:00:00Z"), java.time.ZoneOffset.UTC);

        assertThat(opsagent(() -> new LibraryRuntime(() -> true, fixed), Map.of(), "apply", recipe.toString(),
                "--root", root.toString(), "--executor", "native")).isZero();

        String text = out();
        String line = "state 1 of 1: one (linux.cmd), 0 s";
        assertThat(text).startsWith("\r" + line);
        String afterLine = text.substring(text.lastIndexOf("\r" + line) + 1 + line.length());
        assertThat(afterLine).as("blanked, then the table").startsWith("\r" + " ".repeat(line.length()) + "\rSTATE ");
        assertThat(text.substring(text.lastIndexOf('\r') + 1)).startsWith("STATE ").doesNotContain("\r");
    }

    @Test
    void applyIntoAPipeOrAsJsonPrintsNoControlCharacter() throws IOException {
        Path recipe = oneCommand();

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString(), "--executor", "native")).isZero();
        assertThat(out()).startsWith("STATE ").doesNotContain("\r", "\u001b");

        out.reset();
        assertThat(opsagent(() -> new LibraryRuntime(() -> false, Clock.systemUTC()), Map.of(), "apply",
                recipe.toString(), "--root", root.toString(), "--executor", "native")).isZero();
        assertThat(out()).startsWith("STATE ").doesNotContain("\r", "\u001b");

        out.reset();
        assertThat(opsagent(() -> new LibraryRuntime(() -> true, Clock.systemUTC()), Map.of(), "apply",
                recipe.toString(), "--root", root.toString(), "--executor", "native", "--json")).isZero();
        assertThat(out()).as("--json is for scripts, even on a terminal").startsWith("{").doesNotContain("\r");
    }

    @Test
    void applyStateRunsThatOneStateAndVerboseShowsItsWholeCommentAndOutput() throws IOException {
        Path recipe = root.resolve("three.json");
        Files.writeString(recipe, "[{\"id\":\"one\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"touch "
                + root.resolve("one") + "\"}},"
                + "{\"id\":\"two\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"echo first; echo second\"}},"
                + "{\"id\":\"three\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\"touch "
                + root.resolve("three") + "\"}}]");

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString(), "--executor", "native", "--state",
                "two", "--verbose")).isZero();

        assertThat(root.resolve("one")).doesNotExist();
        assertThat(root.resolve("three")).doesNotExist();
        assertThat(out()).contains("two    linux.cmd  ok", "    comment:\n      Command \"echo first; echo second\" run\n",
                "    output:\n      first\n      second\n");

        assertThat(opsagent("apply", recipe.toString(), "--root", root.toString(), "--state", "four")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("opsagent: recipe " + recipe
                + " has no state 'four'; its states are: one, two, three\n");
    }

    private static List<ProcessHandle> sleeps(String token) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("sleep " + token)).toList();
    }
}
