package io.opsagent.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.launcher.config.ExecutorKind;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandParserTest {

    private static Command parse(String... args) {
        return CommandParser.parse(args);
    }

    @Test
    void runTakesConfigAndRootInEitherSpelling() {
        assertThat(parse("run")).isEqualTo(new Command.Run(Optional.empty(), Optional.empty()));
        assertThat(parse("run", "--root", "/tmp/r", "--config=/tmp/a.conf"))
                .isEqualTo(new Command.Run(Optional.of(Path.of("/tmp/a.conf")), Optional.of(Path.of("/tmp/r"))));
    }

    @Test
    void applyTakesOneRecipeAndItsOptionsInAnyOrder() {
        assertThat(parse("apply", "--json", "r.json", "--executor", "salt", "--dry-run", "--root=/x"))
                .isEqualTo(new Command.Apply(Path.of("r.json"), Optional.empty(), Optional.of(Path.of("/x")),
                        Optional.of(ExecutorKind.SALT), true, true, Optional.empty(), false));
        assertThat(parse("apply", "r.json"))
                .isEqualTo(new Command.Apply(Path.of("r.json"), Optional.empty(), Optional.empty(), Optional.empty(),
                        false, false, Optional.empty(), false));
        assertThat(parse("apply", "--", "-odd-name.json"))
                .isEqualTo(new Command.Apply(Path.of("-odd-name.json"), Optional.empty(), Optional.empty(),
                        Optional.empty(), false, false, Optional.empty(), false));
        assertThat(parse("apply", "r.json", "--state", "web-conf", "--verbose"))
                .isEqualTo(new Command.Apply(Path.of("r.json"), Optional.empty(), Optional.empty(), Optional.empty(),
                        false, false, Optional.of("web-conf"), true));
    }

    @Test
    void checkTakesOneRecipeAndTheOptionsOfApplysCheck() {
        assertThat(parse("check", "r.json", "--executor", "native"))
                .isEqualTo(new Command.Check(Path.of("r.json"), Optional.empty(), Optional.empty(),
                        Optional.of(ExecutorKind.NATIVE)));
        assertThatThrownBy(() -> parse("check")).hasMessage("check: which recipe? give the path of a RECIPE.json");
        assertThatThrownBy(() -> parse("check", "r.json", "--dry-run")).hasMessage("check: unknown option '--dry-run'");
    }

    @Test
    void demoRunsThreeRoundsUnlessTold() {
        assertThat(parse("demo")).isEqualTo(new Command.Demo(3));
        assertThat(parse("demo", "--rounds", "7")).isEqualTo(new Command.Demo(7));
        assertThat(parse("demo", "--rounds=1000")).isEqualTo(new Command.Demo(1000));
    }

    @Test
    void statusVersionHelpAndCompletion() {
        assertThat(parse("status")).isEqualTo(new Command.Status(Optional.empty(), false));
        assertThat(parse("status", "--json", "--root", "r")).isEqualTo(new Command.Status(Optional.of(Path.of("r")), true));
        assertThat(parse("version")).isEqualTo(new Command.Version());
        assertThat(parse("--version")).isEqualTo(new Command.Version());
        assertThat(parse("help")).isEqualTo(new Command.Help(Optional.empty()));
        assertThat(parse("--help")).isEqualTo(new Command.Help(Optional.empty()));
        assertThat(parse("-h")).isEqualTo(new Command.Help(Optional.empty()));
        assertThat(parse("help", "apply")).isEqualTo(new Command.Help(Optional.of("apply")));
        assertThat(parse("completion")).isEqualTo(new Command.Completion());
    }

    @Test
    void helpOfACommandWinsOverItsMissingArguments() {
        assertThat(parse("apply", "--help")).isEqualTo(new Command.Help(Optional.of("apply")));
        assertThat(parse("release-sign", "-h")).isEqualTo(new Command.Help(Optional.of("release-sign")));
        assertThat(parse("run", "--root", "/x", "--help")).isEqualTo(new Command.Help(Optional.of("run")));
    }

    @Test
    void releaseCommandsTakeTheirKeyAndTarball() {
        assertThat(parse("release-keygen", "--out", "keys")).isEqualTo(new Command.ReleaseKeygen(Path.of("keys")));
        assertThat(parse("release-keygen", "--out=/secure/keys"))
                .isEqualTo(new Command.ReleaseKeygen(Path.of("/secure/keys")));
        assertThat(parse("release-sign", "--version", "1.3", "--key", "k.key", "opsagent.tgz"))
                .isEqualTo(new Command.ReleaseSign("1.3", Path.of("k.key"), Path.of("opsagent.tgz")));
        assertThat(parse("release-sign", "dist/opsagent.tgz", "--key=k.key", "--version=1.3"))
                .isEqualTo(new Command.ReleaseSign("1.3", Path.of("k.key"), Path.of("dist/opsagent.tgz")));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "''                                   | no command given",
        "start                                | unknown command 'start' (did you mean 'status'?)",
        "xyzzy                                | unknown command 'xyzzy'",
        "--verbose                            | unknown option '--verbose' (did you mean '--version'?)",
        "run --foo                            | run: unknown option '--foo'",
        "run -c x.conf                        | run: unknown option '-c' (did you mean '--config'?)",
        "run --config                         | run: --config needs a value",
        "run --config --root /x               | run: --config needs a value",
        "run --config=                        | run: --config needs a value",
        "run --root a --root b                | run: --root given twice",
        "run extra                            | run: unexpected argument 'extra'",
        "apply                                | apply: which recipe? give the path of a RECIPE.json",
        "apply a.json b.json                  | apply: one recipe at a time, got 2: a.json b.json",
        "apply a.json --executor puppet       | apply: --executor must be auto, salt or native, got 'puppet'",
        "apply a.json --dry-run=yes           | apply: --dry-run takes no value",
        "apply a.json --json --json           | apply: --json given twice",
        "demo --rounds 0                      | demo: --rounds must be a whole number from 1 to 1000, got '0'",
        "demo --rounds 1001                   | demo: --rounds must be a whole number from 1 to 1000, got '1001'",
        "demo --rounds many                   | demo: --rounds must be a whole number from 1 to 1000, got 'many'",
        "demo --root /x                       | demo: unknown option '--root' (did you mean '--rounds'?)",
        "status --config x                    | status: unknown option '--config'",
        "version now                          | version: takes no arguments, got 'now'",
        "completion bash                      | completion: takes no arguments, got 'bash'",
        "help deploy                          | help: unknown command 'deploy'",
        "help run apply                       | help: unexpected argument 'apply'",
        "release-keygen                       | release-keygen: where to? give --out DIR, the directory for the new key files",
        "release-keygen --out                 | release-keygen: --out needs a value",
        "release-keygen --out a extra         | release-keygen: unexpected argument 'extra'",
        "release-keygen --root /x             | release-keygen: unknown option '--root'",
        "release-sign opsagent.tgz            | release-sign: with which key? give --key PRIVATE_KEY, the file release-keygen wrote",
        "release-sign --key k.key x.tgz       | release-sign: which version? give --version VERSION, the name of the release directory it is uploaded to; the signature covers it",
        "release-sign --version 1.3 --key k.key | release-sign: which tarball? give the path of the release's opsagent.tgz",
        "release-sign --version 1 --key k.key a.tgz b.tgz | release-sign: one tarball at a time, got 2: a.tgz b.tgz",
        "release-sign --version 1 --key a --key b x.tgz | release-sign: --key given twice",
        "release-sign --config c --key k x    | release-sign: unknown option '--config'",
        "release-sign --version=1 --key= x    | release-sign: --key needs a value",
    })
    void wrongArgumentsSayWhatIsWrong(String line, String message) {
        String[] args = line.isEmpty() ? new String[0] : line.trim().split("\\s+");
        assertThatThrownBy(() -> parse(args)).isInstanceOf(UsageException.class).hasMessage(message);
    }

    @Test
    void aUsageErrorCarriesTheUsageOfItsCommand() {
        assertThatThrownBy(() -> parse("apply", "r.json", "--bogus")).isInstanceOfSatisfying(UsageException.class,
                e -> assertThat(e.usage()).startsWith("Usage: opsagent apply ")
                        .contains("RECIPE.json", "--executor=K", "--state=ID", "--dry-run", "--json", "--verbose"));
        assertThatThrownBy(() -> parse("deploy")).isInstanceOfSatisfying(UsageException.class,
                e -> assertThat(e.usage()).startsWith("Usage: opsagent <command> [options]\n"));
    }

    @Test
    void theHelpListsEveryCommandAndEachCommandsHelpItsOptions() {
        assertThat(CommandModel.usage(Optional.empty())).startsWith("Usage: opsagent <command> [options]\n")
                .contains(CommandModel.commandNames().stream().map(n -> "\n  " + n + " ").toArray(String[]::new))
                .contains("--version", "[upgrade] public_key", "Exit codes: 0 ok;");
        assertThat(CommandModel.usage(Optional.of("run"))).contains("--config=FILE", "--root=DIR");
        assertThat(CommandModel.usage(Optional.of("demo"))).contains("--rounds=N");
        assertThat(CommandModel.usage(Optional.of("diagnose"))).contains("--timeout=D", "--json");
        assertThat(CommandModel.usage(Optional.of("release-keygen"))).contains("Usage: opsagent release-keygen [-h] --out=DIR");
        assertThat(CommandModel.usage(Optional.of("release-sign")))
                .contains("Usage: opsagent release-sign [-h] --key=PRIVATE_KEY --version=VERSION TARBALL");
    }
}
