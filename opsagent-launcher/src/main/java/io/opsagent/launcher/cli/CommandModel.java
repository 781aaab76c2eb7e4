package io.opsagent.launcher.cli;

import io.opsagent.launcher.Version;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The picocli model of {@code opsagent}: every command with its options, their help and the
 * exit codes, built in code rather than from annotations (no reflection at start).
 *
 * <p>A command's spec is built only when it is needed: {@link #forArguments} builds the top
 * command and the one command the arguments name, which is all picocli needs to parse them;
 * {@link #complete} builds all of them, for the command list of the help and for shell
 * completion. Every value is a plain string; {@link CommandParser} turns it into a path,
 * duration or number with its own messages.
 */
public final class CommandModel {

    /** The name of the command, in usage, help and completion. */
    public static final String NAME = "opsagent";

    /** Usage help is as wide as a classic terminal, whatever the terminal is (no width probing). */
    private static final int WIDTH = 80;

    private static final Map<String, Supplier<CommandSpec>> COMMANDS = commands();

    private CommandModel() {}

    /** The names of all commands, in the order the help lists them. */
    public static List<String> commandNames() {
        return List.copyOf(COMMANDS.keySet());
    }

    /**
     * The model that can parse {@code args}: the top command with only the command that
     * {@code args[0]} names, or with every command when it names none (so that an unknown
     * name gets picocli's suggestions).
     */
    static CommandLine forArguments(String... args) {
        if (args.length > 0 && COMMANDS.containsKey(args[0])) {
            CommandLine top = top();
            top.addSubcommand(args[0], commandLine(COMMANDS.get(args[0]).get()));
            return top;
        }
        return complete();
    }

    /** The whole model: the top command with every command. */
    public static CommandLine complete() {
        CommandLine top = top();
        COMMANDS.forEach((name, spec) -> top.addSubcommand(name, commandLine(spec.get())));
        return top;
    }

    /** The whole model's usage help of {@code command}, or of {@code opsagent} itself when empty. */
    public static String usage(Optional<String> command) {
        CommandLine top = complete();
        return command.map(name -> top.getSubcommands().get(name)).orElse(top).getUsageMessage(Help.Ansi.OFF);
    }

    private static CommandLine top() {
        CommandSpec spec = CommandSpec.create().name(NAME);
        spec.versionProvider(CommandModel::version);
        usage(spec,
                "Runs the OpsAgent, applies recipes here and checks its host; 'opsagent COMMAND --help' shows a"
                        + " command's options.")
                .customSynopsis(NAME + " <command> [options]")
                .commandListHeading("%nCommands:%n")
                .footerHeading("%n")
                .footer("Exit codes: 0 ok; 1 error, wrong arguments, a recipe with a problem or a failed diagnose"
                        + " check; 2 a state failed (apply); 3 the agent is not running (status); 75 restart into"
                        + " an upgraded release (run); 130 and 143 stopped by SIGINT and SIGTERM.");
        spec.addOption(help());
        spec.addOption(OptionSpec.builder("--version").versionHelp(true)
                .description("Print the agent's version and its Java, then exit.").build());
        return commandLine(spec);
    }

    /** What {@code opsagent version} and {@code --version} print, one line each. */
    public static String[] version() {
        return new String[] {NAME + " " + Version.current(),
                "Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.home") + ")"};
    }

    private static Map<String, Supplier<CommandSpec>> commands() {
        Map<String, Supplier<CommandSpec>> commands = new LinkedHashMap<>();
        commands.put("run", () -> command("run", "Run the agent in the foreground (the daemon).",
                config(), root()));
        commands.put("apply", () -> command("apply",
                "Apply a recipe once, here, without a backend, and print the results.",
                recipe(), config(), root(), executor(),
                valued("--state", "ID", "Apply only the state with this id."),
                flag("--dry-run", "Report what would change, change nothing."),
                json(),
                flag("--verbose", "Show each state's whole comment and output in the table.")));
        commands.put("check", () -> command("check",
                "Report every problem of a recipe (modules, parameters); apply nothing.",
                recipe(), config(), root(), executor()));
        commands.put("config", () -> command("config",
                "Show every setting in effect and where it came from (default, file, environment); a"
                        + " password in a URL is masked.",
                config(), root(), json()));
        commands.put("diagnose", () -> command("diagnose",
                "Check the configuration, the token file, the instance id, the way to the backend (DNS,"
                        + " TCP, TLS, WebSocket, Handshake), salt-call and disk space; one line each with the"
                        + " fix of a failure; exits 0 only if all pass.",
                config(), root(),
                valued("--timeout", "D", "How long each step may take (default 5s; e.g. 500ms, 10s, at most 10m)."),
                json()));
        commands.put("demo", () -> command("demo",
                "Run an embedded backend and the agent on loopback for N rounds (default 3).",
                valued("--rounds", "N", "How many rounds the demo runs (1 to 1000, default 3).")));
        commands.put("status", () -> command("status", "Show whether the agent runs and what it is doing.",
                root(), json()));
        commands.put("version", () -> command("version", "Print the agent's version and its Java."));
        commands.put("help", () -> command("help", "Print this text, or the help of COMMAND.",
                PositionalParamSpec.builder().paramLabel("COMMAND").arity("0..1").type(String.class)
                        .description("The command to explain.").build()));
        commands.put("completion", () -> command("completion",
                "Print the bash completion script of opsagent (also for zsh with bashcompinit); install it"
                        + " with 'opsagent completion > /etc/bash_completion.d/opsagent'."));
        commands.put("release-keygen", () -> command("release-keygen",
                "For release managers (needs no root and no configuration): make a release-signing key pair"
                        + " in DIR and print the public key for [upgrade] public_key. Keep the private key"
                        + " offline.",
                required(valued("--out", "DIR", "Where to write opsagent-release.key and opsagent-release.pub."))));
        commands.put("release-sign", () -> command("release-sign",
                "For release managers (needs no root and no configuration): check that agents would accept"
                        + " TARBALL, then write TARBALL.sha256 and TARBALL.sig, which signs VERSION with the"
                        + " tarball's SHA-256, beside it.",
                positional("TARBALL", "The release's opsagent.tgz."),
                required(valued("--version", "VERSION", "The release version to sign (its upload directory).")),
                required(valued("--key", "PRIVATE_KEY", "The private key that release-keygen wrote."))));
        return commands;
    }

    private static CommandSpec command(String name, String description, Object... args) {
        CommandSpec spec = CommandSpec.create().name(name);
        usage(spec, description);
        for (Object arg : args) {
            if (arg instanceof OptionSpec) {
                spec.addOption((OptionSpec) arg);
            } else {
                spec.addPositional((PositionalParamSpec) arg);
            }
        }
        spec.addOption(help());
        return spec;
    }

    private static UsageMessageSpec usage(CommandSpec spec, String description) {
        return spec.usageMessage().width(WIDTH).autoWidth(false).description(description).sortOptions(false);
    }

    /**
     * A command line of {@code spec}. Its usage help is always taken with {@code Help.Ansi.OFF}
     * (no colours, and no probing of the terminal).
     */
    private static CommandLine commandLine(CommandSpec spec) {
        CommandLine commandLine = new CommandLine(spec);
        commandLine.setAbbreviatedOptionsAllowed(false);
        commandLine.setPosixClusteredShortOptionsAllowed(false);
        return commandLine;
    }

    private static OptionSpec help() {
        return OptionSpec.builder("-h", "--help").usageHelp(true).description("Print this help, then exit.").build();
    }

    private static OptionSpec config() {
        return valued("--config", "FILE", "The configuration file (default: /etc/opsagent.conf under the root).");
    }

    private static OptionSpec root() {
        return valued("--root", "DIR", "A prefix for every default host path (default: $OPSAGENT_ROOT, else /).");
    }

    private static OptionSpec executor() {
        return OptionSpec.builder("--executor").paramLabel("K").arity("1").type(String.class)
                .completionCandidates(List.of("auto", "salt", "native"))
                .description("Apply states with Salt (salt), the built-in executor (native), or whichever is"
                        + " available (auto, the default from [executor] kind).")
                .build();
    }

    private static OptionSpec json() {
        return flag("--json", "Print JSON instead of text.");
    }

    private static OptionSpec valued(String name, String label, String description) {
        return OptionSpec.builder(name).paramLabel(label).arity("1").type(String.class).description(description)
                .build();
    }

    /** The same option, shown as required; {@link CommandParser} says what a missing one is for. */
    private static OptionSpec required(OptionSpec option) {
        return option.toBuilder().required(true).build();
    }

    private static OptionSpec flag(String name, String description) {
        return OptionSpec.builder(name).arity("0").type(boolean.class).description(description).build();
    }

    private static PositionalParamSpec recipe() {
        return positional("RECIPE.json", "The recipe: a RecipeMetadata object or an array of states.");
    }

    /**
     * One positional parameter, shown as required; any number is accepted, so that
     * {@link CommandParser} can say what is missing or too many in words of the command.
     */
    private static PositionalParamSpec positional(String label, String description) {
        return PositionalParamSpec.builder().paramLabel(label).arity("0..*").hideParamSyntax(true)
                .type(List.class).auxiliaryTypes(String.class).description(description).build();
    }
}
