package io.opsagent.launcher.cli;

import io.opsagent.launcher.config.Durations;
import io.opsagent.launcher.config.ExecutorKind;
import io.opsagent.launcher.diagnose.Diagnosis;
import io.opsagent.launcher.upgrade.ReleaseVersion;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the command line into a {@link Command}. A plain parser, on purpose: it loads in
 * microseconds, where an annotation-driven one costs a noticeable part of start-up.
 *
 * <p>Options are long ({@code --name value} or {@code --name=value}), may come in any order
 * after the command, and may be given once. {@code --} ends the options. Anything wrong is a
 * {@link UsageException} that says what.
 */
public final class CommandLineParser {

    private static final Set<String> NO_FLAGS = Set.of();

    private CommandLineParser() {}

    public static Command parse(List<String> args) {
        if (args.isEmpty()) {
            throw new UsageException("no command given");
        }
        String name = args.get(0);
        List<String> rest = args.subList(1, args.size());
        switch (name) {
            case "run":
                return run(rest);
            case "apply":
                return apply(rest);
            case "check":
                return check(rest);
            case "config":
                return config(rest);
            case "diagnose":
                return diagnose(rest);
            case "demo":
                return demo(rest);
            case "status":
                return status(rest);
            case "release-keygen":
                return releaseKeygen(rest);
            case "release-sign":
                return releaseSign(rest);
            case "version":
            case "--version":
                noArguments(name, rest);
                return new Command.Version();
            case "help":
            case "--help":
            case "-h":
                noArguments(name, rest);
                return new Command.Help();
            default:
                throw new UsageException("unknown command '" + name + "'");
        }
    }

    private static Command run(List<String> args) {
        Scanned s = scan("run", args, Set.of("--config", "--root"), NO_FLAGS);
        s.noPositionals();
        return new Command.Run(s.path("--config"), s.path("--root"));
    }

    private static Command apply(List<String> args) {
        Scanned s = scan("apply", args, Set.of("--config", "--root", "--executor", "--state"),
                Set.of("--dry-run", "--json", "--verbose"));
        return new Command.Apply(
                recipe("apply", s),
                s.path("--config"),
                s.path("--root"),
                executor("apply", s),
                s.flags.contains("--dry-run"),
                s.flags.contains("--json"),
                Optional.ofNullable(s.values.get("--state")),
                s.flags.contains("--verbose"));
    }

    private static Command check(List<String> args) {
        Scanned s = scan("check", args, Set.of("--config", "--root", "--executor"), NO_FLAGS);
        return new Command.Check(recipe("check", s), s.path("--config"), s.path("--root"), executor("check", s));
    }

    private static Command config(List<String> args) {
        Scanned s = scan("config", args, Set.of("--config", "--root"), Set.of("--json"));
        s.noPositionals();
        return new Command.Config(s.path("--config"), s.path("--root"), s.flags.contains("--json"));
    }

    private static Command diagnose(List<String> args) {
        Scanned s = scan("diagnose", args, Set.of("--config", "--root", "--timeout"), Set.of("--json"));
        s.noPositionals();
        Duration timeout = Diagnosis.DEFAULT_TIMEOUT;
        String text = s.values.get("--timeout");
        if (text != null) {
            try {
                timeout = Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new UsageException("diagnose: --timeout: " + e.getMessage());
            }
            if (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new UsageException("diagnose: --timeout must be longer than zero and at most 10m, got '"
                        + text + "'");
            }
        }
        return new Command.Diagnose(s.path("--config"), s.path("--root"), timeout, s.flags.contains("--json"));
    }

    private static Path recipe(String command, Scanned s) {
        if (s.positionals.isEmpty()) {
            throw new UsageException(command + ": which recipe? give the path of a RECIPE.json");
        }
        if (s.positionals.size() > 1) {
            throw new UsageException(command + ": one recipe at a time, got " + s.positionals.size() + ": "
                    + String.join(" ", s.positionals));
        }
        return toPath(command, "RECIPE.json", s.positionals.get(0));
    }

    private static Optional<ExecutorKind> executor(String command, Scanned s) {
        String kind = s.values.get("--executor");
        if (kind == null) {
            return Optional.empty();
        }
        return Optional.of(ExecutorKind.fromConfigName(kind).orElseThrow(() -> new UsageException(
                command + ": --executor must be auto, salt or native, got '" + kind + "'")));
    }

    private static Command demo(List<String> args) {
        Scanned s = scan("demo", args, Set.of("--rounds"), NO_FLAGS);
        s.noPositionals();
        String rounds = s.values.get("--rounds");
        if (rounds == null) {
            return new Command.Demo(Command.Demo.DEFAULT_ROUNDS);
        }
        if (!rounds.matches("\\d{1,4}") || Integer.parseInt(rounds) < 1
                || Integer.parseInt(rounds) > Command.Demo.MAX_ROUNDS) {
            throw new UsageException("demo: --rounds must be a whole number from 1 to " + Command.Demo.MAX_ROUNDS
                    + ", got '" + rounds + "'");
        }
        return new Command.Demo(Integer.parseInt(rounds));
    }

    private static Command status(List<String> args) {
        Scanned s = scan("status", args, Set.of("--root"), Set.of("--json"));
        s.noPositionals();
        return new Command.Status(s.path("--root"), s.flags.contains("--json"));
    }

    private static Command releaseKeygen(List<String> args) {
        Scanned s = scan("release-keygen", args, Set.of("--out"), NO_FLAGS);
        s.noPositionals();
        Path out = s.path("--out").orElseThrow(() -> new UsageException(
                "release-keygen: where to? give --out DIR, the directory for the new key files"));
        return new Command.ReleaseKeygen(out);
    }

    private static Command releaseSign(List<String> args) {
        Scanned s = scan("release-sign", args, Set.of("--key", "--version"), NO_FLAGS);
        Path key = s.path("--key").orElseThrow(() -> new UsageException(
                "release-sign: with which key? give --key PRIVATE_KEY, the file release-keygen wrote"));
        String version = s.values.get("--version");
        if (version == null) {
            throw new UsageException("release-sign: which version? give --version VERSION, the name of the"
                    + " release directory it is uploaded to; the signature covers it");
        }
        if (!ReleaseVersion.isValid(version)) {
            throw new UsageException("release-sign: --version " + version + " is not a release name (1 to 64"
                    + " letters, digits, '.', '_', '+' or '-', starting with a letter or digit)");
        }
        if (s.positionals.isEmpty()) {
            throw new UsageException("release-sign: which tarball? give the path of the release's opsagent.tgz");
        }
        if (s.positionals.size() > 1) {
            throw new UsageException("release-sign: one tarball at a time, got " + s.positionals.size() + ": "
                    + String.join(" ", s.positionals));
        }
        return new Command.ReleaseSign(version, key, toPath("release-sign", "TARBALL", s.positionals.get(0)));
    }

    private static void noArguments(String command, List<String> args) {
        if (!args.isEmpty()) {
            throw new UsageException(command + ": takes no arguments, got '" + args.get(0) + "'");
        }
    }

    // ---------------------------------------------------------------- scanning

    private static final class Scanned {
        final String command;
        final Map<String, String> values = new HashMap<>();
        final Set<String> flags = new HashSet<>();
        final List<String> positionals = new ArrayList<>();

        Scanned(String command) {
            this.command = command;
        }

        void noPositionals() {
            if (!positionals.isEmpty()) {
                throw new UsageException(command + ": unexpected argument '" + positionals.get(0) + "'");
            }
        }

        Optional<Path> path(String option) {
            String value = values.get(option);
            return value == null ? Optional.empty() : Optional.of(toPath(command, option, value));
        }
    }

    private static Scanned scan(String command, List<String> args, Set<String> valued, Set<String> flags) {
        Scanned s = new Scanned(command);
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                s.positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            String option = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 2) {
                option = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (flags.contains(option)) {
                if (value != null) {
                    throw new UsageException(command + ": " + option + " takes no value");
                }
                if (!s.flags.add(option)) {
                    throw new UsageException(command + ": " + option + " given twice");
                }
                continue;
            }
            if (!valued.contains(option)) {
                throw new UsageException(command + ": unknown option '" + option + "'");
            }
            if (value == null) {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    throw new UsageException(command + ": " + option + " needs a value");
                }
                value = args.get(++i);
            }
            if (value.isEmpty()) {
                throw new UsageException(command + ": " + option + " needs a value");
            }
            if (s.values.putIfAbsent(option, value) != null) {
                throw new UsageException(command + ": " + option + " given twice");
            }
        }
        return s;
    }

    private static Path toPath(String command, String what, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new UsageException(command + ": " + what + ": '" + value + "' is not a path (" + e.getReason() + ")");
        }
    }
}
