package io.opsagent.launcher.cli;

import io.opsagent.launcher.config.Durations;
import io.opsagent.launcher.config.ExecutorKind;
import io.opsagent.launcher.diagnose.Diagnosis;
import io.opsagent.launcher.upgrade.ReleaseVersion;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Parses the command line into a {@link Command}: picocli reads it against the
 * {@link CommandModel} (options long, {@code --name value} or {@code --name=value}, in any
 * order after the command, each at most once; {@code --} ends the options); this class turns
 * the strings into paths, durations and numbers. Anything wrong is a {@link UsageException}
 * that says what, in the words of the command, with the usage help of that command.
 */
public final class CommandParser {

    /** The options a command cannot do without, each with what to give; in the order they are asked for. */
    private static final Map<String, String> REQUIRED = new LinkedHashMap<>();

    static {
        REQUIRED.put("--out", "where to? give --out DIR, the directory for the new key files");
        REQUIRED.put("--key", "with which key? give --key PRIVATE_KEY, the file release-keygen wrote");
        REQUIRED.put("--version", "which version? give --version VERSION, the name of the release directory it is"
                + " uploaded to; the signature covers it");
    }

    private CommandParser() {}

    public static Command parse(String... args) {
        CommandLine top = CommandModel.forArguments(args);
        ParseResult result;
        try {
            result = top.parseArgs(args);
        } catch (ParameterException e) {
            throw usageError(top, e, args);
        }
        if (result.isUsageHelpRequested()) {
            return new Command.Help(Optional.empty());
        }
        if (result.isVersionHelpRequested()) {
            return new Command.Version();
        }
        ParseResult sub = result.subcommand();
        if (sub == null) {
            throw new UsageException("no command given", usage(top));
        }
        String name = sub.commandSpec().name();
        if (sub.isUsageHelpRequested()) {
            return new Command.Help(Optional.of(name));
        }
        Options o = new Options(name, sub);
        try {
            return command(name, o);
        } catch (UsageException e) {
            throw new UsageException(e.getMessage(), usage(sub.commandSpec().commandLine()));
        }
    }

    private static Command command(String name, Options o) {
        switch (name) {
            case "run":
                return new Command.Run(o.path("--config"), o.path("--root"));
            case "apply":
                return new Command.Apply(o.recipe(), o.path("--config"), o.path("--root"), o.executor(),
                        o.flag("--dry-run"), o.flag("--json"), o.value("--state"), o.flag("--verbose"));
            case "check":
                return new Command.Check(o.recipe(), o.path("--config"), o.path("--root"), o.executor());
            case "config":
                return new Command.Config(o.path("--config"), o.path("--root"), o.flag("--json"));
            case "diagnose":
                return new Command.Diagnose(o.path("--config"), o.path("--root"), o.timeout(), o.flag("--json"));
            case "demo":
                return new Command.Demo(o.rounds());
            case "status":
                return new Command.Status(o.path("--root"), o.flag("--json"));
            case "version":
                return new Command.Version();
            case "help":
                return new Command.Help(o.helpTopic());
            case "completion":
                return new Command.Completion();
            case "release-keygen":
                return new Command.ReleaseKeygen(o.path("--out").orElseThrow());
            case "release-sign":
                return releaseSign(o);
            default:
                throw new IllegalStateException("no parser for command " + name);
        }
    }

    private static Command releaseSign(Options o) {
        Path key = o.path("--key").orElseThrow();
        String version = o.value("--version").orElseThrow();
        if (!ReleaseVersion.isValid(version)) {
            throw new UsageException("release-sign: --version " + version + " is not a release name (1 to 64"
                    + " letters, digits, '.', '_', '+' or '-', starting with a letter or digit)");
        }
        Path tarball = o.onePositional("which tarball? give the path of the release's opsagent.tgz",
                "one tarball at a time", "TARBALL");
        return new Command.ReleaseSign(version, key, tarball);
    }

    // ---------------------------------------------------------------- errors

    /** picocli's finding, in the words the launcher has always used, with the usage help of that command. */
    private static UsageException usageError(CommandLine top, ParameterException e, String[] args) {
        CommandLine where = e.getCommandLine() == null ? top : e.getCommandLine();
        boolean atTop = where == top;
        String prefix = atTop ? "" : where.getCommandName() + ": ";
        String message;
        if (e instanceof UnmatchedArgumentException) {
            UnmatchedArgumentException u = (UnmatchedArgumentException) e;
            String arg = u.getUnmatched().isEmpty() ? "" : u.getUnmatched().get(0);
            message = unmatched(where, atTop, arg, u.getSuggestions());
        } else if (e instanceof MissingParameterException && e.getMessage().startsWith("Missing required option")) {
            // picocli checks required options before it reports unknown ones; a wrong name is the first thing to fix.
            message = unknownOption(where, args).orElseGet(() -> missingOption(((MissingParameterException) e).getMissing()));
        } else if (e instanceof MissingParameterException && !((MissingParameterException) e).getMissing().isEmpty()) {
            message = name(((MissingParameterException) e).getMissing().get(0)) + " needs a value";
        } else if (e instanceof OverwrittenOptionException) {
            message = name(((OverwrittenOptionException) e).getOverwritten()) + " given twice";
        } else {
            message = flagWithValue(where, args).orElse(e.getMessage());
        }
        return new UsageException(prefix + message, usage(where));
    }

    /** What a required option that was not given is for, the first in {@link #REQUIRED}'s order. */
    private static String missingOption(List<ArgSpec> missing) {
        return REQUIRED.entrySet().stream()
                .filter(r -> missing.stream().anyMatch(m -> m.isOption() && name(m).equals(r.getKey())))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElseGet(() -> name(missing.get(0)) + " is required");
    }

    /** The first argument of {@code where} that looks like an option but is none of its options. */
    private static Optional<String> unknownOption(CommandLine where, String[] args) {
        for (int i = 1; i < args.length && !args[i].equals("--"); i++) {
            String arg = args[i];
            String name = arg.indexOf('=') > 2 ? arg.substring(0, arg.indexOf('=')) : arg;
            if (arg.startsWith("-") && !arg.equals("-") && where.getCommandSpec().findOption(name) == null) {
                return Optional.of("unknown option '" + name + "'");
            }
        }
        return Optional.empty();
    }

    /** {@code --json=yes}: a value given to an option that takes none, the first such in {@code args}. */
    private static Optional<String> flagWithValue(CommandLine where, String[] args) {
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (arg.equals("--")) {
                break;
            }
            if (arg.startsWith("--") && eq > 2) {
                OptionSpec option = where.getCommandSpec().findOption(arg.substring(0, eq));
                if (option != null && option.arity().max() == 0) {
                    return Optional.of(option.longestName() + " takes no value");
                }
            }
        }
        return Optional.empty();
    }

    private static String unmatched(CommandLine where, boolean atTop, String arg, List<String> suggestions) {
        String hint = suggestions.isEmpty() ? "" : " (did you mean '" + String.join("' or '", suggestions) + "'?)";
        if (atTop) {
            return (arg.startsWith("-") ? "unknown option '" : "unknown command '") + arg + "'" + hint;
        }
        if (arg.startsWith("-") && !arg.equals("-")) {
            return "unknown option '" + arg + "'" + hint;
        }
        if (where.getCommandSpec().options().size() == 1 && where.getCommandSpec().positionalParameters().isEmpty()) {
            return "takes no arguments, got '" + arg + "'";
        }
        return "unexpected argument '" + arg + "'";
    }

    private static String name(ArgSpec arg) {
        return arg.isOption() ? ((OptionSpec) arg).longestName() : arg.paramLabel();
    }

    private static String usage(CommandLine commandLine) {
        return commandLine.getUsageMessage(Help.Ansi.OFF);
    }

    // ---------------------------------------------------------------- values

    /** The strings picocli matched for one command, as the values the launcher needs. */
    private static final class Options {
        private final String command;
        private final ParseResult result;

        Options(String command, ParseResult result) {
            this.command = command;
            this.result = result;
        }

        boolean flag(String option) {
            return result.hasMatchedOption(option);
        }

        Optional<String> value(String option) {
            String value = result.matchedOptionValue(option, null);
            if (value != null && value.isEmpty()) {
                throw new UsageException(command + ": " + option + " needs a value");
            }
            return Optional.ofNullable(value);
        }

        Optional<Path> path(String option) {
            return value(option).map(v -> toPath(option, v));
        }

        Optional<ExecutorKind> executor() {
            return value("--executor").map(kind -> ExecutorKind.fromConfigName(kind).orElseThrow(() ->
                    new UsageException(command + ": --executor must be auto, salt or native, got '" + kind + "'")));
        }

        Path recipe() {
            return onePositional("which recipe? give the path of a RECIPE.json", "one recipe at a time",
                    "RECIPE.json");
        }

        Path onePositional(String missing, String tooMany, String label) {
            List<String> values = result.matchedPositionalValue(0, List.of());
            if (values.isEmpty()) {
                throw new UsageException(command + ": " + missing);
            }
            if (values.size() > 1) {
                throw new UsageException(command + ": " + tooMany + ", got " + values.size() + ": "
                        + String.join(" ", values));
            }
            return toPath(label, values.get(0));
        }

        Duration timeout() {
            Optional<String> text = value("--timeout");
            if (text.isEmpty()) {
                return Diagnosis.DEFAULT_TIMEOUT;
            }
            Duration timeout;
            try {
                timeout = Durations.parse(text.get());
            } catch (IllegalArgumentException e) {
                throw new UsageException(command + ": --timeout: " + e.getMessage());
            }
            if (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new UsageException(command + ": --timeout must be longer than zero and at most 10m, got '"
                        + text.get() + "'");
            }
            return timeout;
        }

        int rounds() {
            Optional<String> rounds = value("--rounds");
            if (rounds.isEmpty()) {
                return Command.Demo.DEFAULT_ROUNDS;
            }
            String text = rounds.get();
            if (!text.matches("\\d{1,4}") || Integer.parseInt(text) < 1
                    || Integer.parseInt(text) > Command.Demo.MAX_ROUNDS) {
                throw new UsageException(command + ": --rounds must be a whole number from 1 to "
                        + Command.Demo.MAX_ROUNDS + ", got '" + text + "'");
            }
            return Integer.parseInt(text);
        }

        Optional<String> helpTopic() {
            Optional<String> topic = Optional.ofNullable(result.matchedPositionalValue(0, null));
            topic.filter(t -> !CommandModel.commandNames().contains(t)).ifPresent(t -> {
                throw new UsageException(command + ": unknown command '" + t + "'");
            });
            return topic;
        }

        private Path toPath(String what, String value) {
            try {
                return Path.of(value);
            } catch (InvalidPathException e) {
                throw new UsageException(command + ": " + what + ": '" + value + "' is not a path (" + e.getReason()
                        + ")");
            }
        }
    }
}
