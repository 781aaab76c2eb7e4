package io.opsagent.launcher;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.opsagent.fsm.OpsAgentException;
import io.opsagent.launcher.cli.Command;
import io.opsagent.launcher.cli.CommandModel;
import io.opsagent.launcher.cli.CommandParser;
import io.opsagent.launcher.cli.UsageException;
import io.opsagent.launcher.config.ConfigLoader;
import io.opsagent.launcher.config.Durations;
import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.config.LogLevel;
import io.opsagent.launcher.config.SettingsReport;
import io.opsagent.launcher.diagnose.Check;
import io.opsagent.launcher.diagnose.Diagnosis;
import io.opsagent.launcher.diagnose.DiagnosisReport;
import io.opsagent.launcher.host.HostException;
import io.opsagent.launcher.host.HostLayout;
import io.opsagent.launcher.host.HostPreparer;
import io.opsagent.launcher.host.InstanceLock;
import io.opsagent.launcher.logging.LoggingSetup;
import io.opsagent.launcher.status.AgentStatus;
import io.opsagent.launcher.status.StatusFile;
import io.opsagent.launcher.status.StatusReport;
import io.opsagent.launcher.upgrade.ReleaseFetcher;
import io.opsagent.launcher.upgrade.ReleaseKeys;
import io.opsagent.launcher.upgrade.ReleaseSigner;
import io.opsagent.launcher.upgrade.UpgradeException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.AutoComplete;

/**
 * Runs one {@code opsagent} command: parses the arguments, loads the configuration, prepares the
 * host, takes the lock, sets up logging and hands over to the {@link AgentRuntime}. Returns the
 * exit code; {@link Main} exits with it.
 *
 * <p>Nothing here touches Log4j before a command that logs has its configuration, so
 * {@code status}, {@code version} and every error found before that stay fast and print to
 * stderr only.
 */
public final class Launcher {

    /** The variable that sets the root prefix when {@code --root} is not given. */
    public static final String ROOT_VARIABLE = "OPSAGENT_ROOT";

    static final long MAX_RECIPE_BYTES = 16 * 1024 * 1024;

    private final Supplier<AgentRuntime> runtimes;
    private final Map<String, String> environment;
    private final PrintStream out;
    private final PrintStream err;
    private final ShutdownHooks hooks;
    private final Clock clock;
    private boolean loggingStarted;
    /** Whether the log goes to stderr only, where the "opsagent:" line of an error goes too. */
    private boolean loggingToConsole;

    public Launcher(
            Supplier<AgentRuntime> runtimes,
            Map<String, String> environment,
            PrintStream out,
            PrintStream err,
            ShutdownHooks hooks,
            Clock clock) {
        this.runtimes = Objects.requireNonNull(runtimes, "runtimes");
        this.environment = Map.copyOf(environment);
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether the last command configured Log4j (then the caller shuts it down last). */
    public boolean loggingStarted() {
        return loggingStarted;
    }

    /**
     * Shuts Log4j down if this launcher configured it ({@link ShutdownHooks#beforeHalt}): writes
     * what the asynchronous appender still holds. The stop hook calls it after the last line, because the JVM halts when the
     * hook returns, possibly before the caller of {@link #execute} gets to it.
     */
    private void shutdownLogging() {
        if (loggingStarted) {
            hooks.beforeHalt();
        }
    }

    /** Runs the command {@code args} names and returns its exit code. */
    public int execute(String... args) {
        Command command;
        try {
            command = CommandParser.parse(args);
        } catch (UsageException e) {
            err.println("opsagent: " + e.getMessage());
            err.println();
            err.print(e.usage());
            err.flush();
            return ExitCodes.ERROR;
        }
        try {
            if (command instanceof Command.Run) {
                return run((Command.Run) command);
            } else if (command instanceof Command.Apply) {
                return apply((Command.Apply) command);
            } else if (command instanceof Command.Config) {
                return config((Command.Config) command);
            } else if (command instanceof Command.Check) {
                return check((Command.Check) command);
            } else if (command instanceof Command.Diagnose) {
                return diagnose((Command.Diagnose) command);
            } else if (command instanceof Command.Demo) {
                return demo((Command.Demo) command);
            } else if (command instanceof Command.Status) {
                return status((Command.Status) command);
            } else if (command instanceof Command.ReleaseKeygen) {
                return releaseKeygen((Command.ReleaseKeygen) command);
            } else if (command instanceof Command.ReleaseSign) {
                return releaseSign((Command.ReleaseSign) command);
            } else if (command instanceof Command.Version) {
                for (String line : CommandModel.version()) {
                    out.println(line);
                }
                return ExitCodes.OK;
            } else if (command instanceof Command.Completion) {
                out.print(AutoComplete.bash(CommandModel.NAME, CommandModel.complete()));
                return ExitCodes.OK;
            } else {
                out.print(CommandModel.usage(((Command.Help) command).command()));
                return ExitCodes.OK;
            }
        } catch (OpsAgentException | UpgradeException e) {
            return fail(e.getMessage(), null);
        } catch (RuntimeException e) {
            return fail("unexpected error: " + e, e);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int fail(String message, Throwable unexpected) {
        if (loggingStarted && (!loggingToConsole || unexpected != null)) {
            LogManager.getLogger(Launcher.class).error(message, unexpected);
        }
        err.println("opsagent: " + message);
        if (unexpected != null) {
            unexpected.printStackTrace(err);
        }
        return ExitCodes.ERROR;
    }

    // ---------------------------------------------------------------- run

    private int run(Command.Run command) {
        Path root = root(command.root(), true);
        Path configFile = command.config().map(Launcher::absolute).orElse(HostLayout.defaults(root).configFile());
        ConfigLoader.Loaded loaded = new ConfigLoader(root, environment).load(configFile);
        LauncherConfig config = loaded.config();
        ConfigLoader.requireForRun(config);
        HostLayout layout = HostLayout.of(root, config);
        HostPreparer.Prepared host = new HostPreparer().prepare(layout, true);
        try (InstanceLock lock = InstanceLock.acquire(layout.lockFile())) {
            LoggingSetup.daemon(layout.logFile(), config.global().logLevel());
            loggingStarted = true;
            Logger log = LogManager.getLogger(Launcher.class);
            log.info("opsagent {} starting: pid {}, config {}, root {}", Version.current(),
                    ProcessHandle.current().pid(), config.sourceName(), layout.root());
            loaded.warnings().forEach(log::warn);
            host.notes().forEach(log::info);
            log.info("backend {}, app {}, executor {}, round interval {}",
                    config.userdata().wsUri().map(Launcher::withoutUserInfo).orElse("-"),
                    config.userdata().appId().orElse("-"), config.executor().configName(),
                    Durations.format(config.round().interval()));
            AgentContext context = new AgentContext(config, layout, host.token(), new StatusFile(layout.statusFile()),
                    Version.current(), out);
            AgentRuntime runtime = runtimes.get();
            int code = runWithStopHook(runtime, () -> runtime.run(context), log);
            return code;
        }
    }

    /**
     * Runs {@code body} with a shutdown hook that stops {@code runtime}; the hook waits until
     * {@code body} has returned and the last line is logged.
     */
    private int runWithStopHook(AgentRuntime runtime, Supplier<Integer> body, Logger log) {
        CountDownLatch returned = new CountDownLatch(1);
        StopOnSignal stop = new StopOnSignal(runtime, returned, StopOnSignal.GRACE, this::shutdownLogging);
        ShutdownHooks.Registration hook = hooks.register("opsagent-stop", stop);
        try {
            int code = body.get();
            if (stop.signalled()) {
                log.info("opsagent stopped on a signal; the process exits with 128 + its number"
                        + " (143 for SIGTERM, 130 for SIGINT)");
            } else {
                log.info("opsagent stopped, exit code {}", code);
            }
            return code;
        } finally {
            returned.countDown();
            hook.remove();
        }
    }

    // ---------------------------------------------------------------- apply

    private int apply(Command.Apply command) {
        Path root = root(command.root(), true);
        Path defaultConfig = HostLayout.defaults(root).configFile();
        ConfigLoader.Loaded loaded = localConfig(root, command.config());
        String note = command.config().isEmpty() && !Files.exists(defaultConfig)
                ? "no " + defaultConfig + "; using the built-in defaults" : null;
        LauncherConfig config = loaded.config();
        if (command.executor().isPresent()) {
            config = config.withExecutor(command.executor().get());
        }
        Path recipe = absolute(command.recipe());
        checkRecipe(recipe);
        HostLayout layout = HostLayout.of(root, config);
        HostPreparer.Prepared host = new HostPreparer().prepare(layout, false);
        try (InstanceLock lock = InstanceLock.acquire(layout.lockFile())) {
            LoggingSetup.console(config.global().logLevel());
            loggingStarted = true;
            loggingToConsole = true;
            Logger log = LogManager.getLogger(Launcher.class);
            loaded.warnings().forEach(log::warn);
            host.notes().forEach(log::info);
            if (note != null) {
                log.info(note);
            }
            log.info("applying {} with executor {}{}", recipe, config.executor().configName(),
                    command.dryRun() ? " (dry run)" : "");
            AgentContext context = new AgentContext(config, layout, Optional.empty(),
                    new StatusFile(layout.statusFile()), Version.current(), out);
            AgentRuntime runtime = runtimes.get();
            ApplyRequest request = new ApplyRequest(recipe, command.dryRun(), command.json(), command.stateId(),
                    command.verbose());
            return runWithStopHook(runtime, () -> runtime.apply(context, request), log);
        }
    }

    /** The configuration of a local command: {@code --config}, else the host's file, else the built-in defaults. */
    private ConfigLoader.Loaded localConfig(Path root, Optional<Path> option) {
        ConfigLoader loader = new ConfigLoader(root, environment);
        Path defaultConfig = HostLayout.defaults(root).configFile();
        if (option.isPresent()) {
            return loader.load(absolute(option.get()));
        }
        return Files.exists(defaultConfig) ? loader.load(defaultConfig) : loader.defaults();
    }

    // ---------------------------------------------------------------- config

    /** The settings {@code run} would use: the file (the host's, if any) and the environment; no logging. */
    private int config(Command.Config command) {
        Path root = root(command.root(), false);
        ConfigLoader.Loaded loaded = localConfig(root, command.config());
        loaded.warnings().forEach(w -> err.println("opsagent: warning: " + w));
        out.print(command.json() ? SettingsReport.json(loaded.settings()) : SettingsReport.text(loaded.settings()));
        return ExitCodes.OK;
    }

    // ---------------------------------------------------------------- check

    /** Checks a recipe as apply would before running it; touches no host directory and takes no lock. */
    private int check(Command.Check command) {
        Path root = root(command.root(), false);
        ConfigLoader.Loaded loaded = localConfig(root, command.config());
        LauncherConfig config = loaded.config();
        if (command.executor().isPresent()) {
            config = config.withExecutor(command.executor().get());
        }
        Path recipe = absolute(command.recipe());
        checkRecipe(recipe);
        LoggingSetup.console(LogLevel.WARNING);
        loggingStarted = true;
        loggingToConsole = true;
        loaded.warnings().forEach(LogManager.getLogger(Launcher.class)::warn);
        HostLayout layout = HostLayout.of(root, config);
        AgentContext context = new AgentContext(config, layout, Optional.empty(), new StatusFile(layout.statusFile()),
                Version.current(), out);
        return runtimes.get().check(context, recipe);
    }

    /** The recipe must be a readable JSON object or array; its content is the runtime's to judge. */
    static void checkRecipe(Path recipe) {
        try {
            long size = Files.size(recipe);
            if (!Files.isRegularFile(recipe)) {
                throw new HostException("recipe " + recipe + " is not a regular file");
            }
            if (size > MAX_RECIPE_BYTES) {
                throw new HostException("recipe " + recipe + " is " + size + " bytes; at most " + MAX_RECIPE_BYTES
                        + " are accepted");
            }
            try (Reader reader = Files.newBufferedReader(recipe, StandardCharsets.UTF_8)) {
                JsonReader json = new JsonReader(reader);
                json.setStrictness(Strictness.STRICT);
                JsonElement element = JsonParser.parseReader(json);
                if (json.peek() != JsonToken.END_DOCUMENT) {
                    throw new HostException("recipe " + recipe + " has text after its JSON object");
                }
                if (!element.isJsonObject() && !element.isJsonArray()) {
                    throw new HostException("recipe " + recipe + " is neither a RecipeMetadata object nor an array"
                            + " of states");
                }
            }
        } catch (MalformedInputException e) {
            throw new HostException(notUtf8(recipe));
        } catch (NoSuchFileException e) {
            throw new HostException("recipe " + recipe + ": no such file");
        } catch (AccessDeniedException e) {
            throw new HostException("recipe " + recipe + ": permission denied");
        } catch (JsonParseException | IllegalStateException e) {
            if (rootCause(e) instanceof MalformedInputException) {
                throw new HostException(notUtf8(recipe));
            }
            throw new HostException("recipe " + recipe + " is not valid JSON: " + rootMessage(e));
        } catch (IOException e) {
            throw new HostException("recipe " + recipe + " cannot be read: " + e);
        }
    }

    /** Names the first byte that is not UTF-8, so the file can be fixed. */
    static String notUtf8(Path recipe) {
        String where = "";
        try {
            byte[] bytes = Files.readAllBytes(recipe);
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
            ByteBuffer in = ByteBuffer.wrap(bytes);
            CoderResult result = decoder.decode(in, CharBuffer.allocate(bytes.length), true);
            if (result.isError()) {
                where = String.format(" (byte 0x%02x at offset %d)", bytes[in.position()] & 0xff, in.position());
            }
        } catch (IOException e) {
            // The message stays without the offset.
        }
        return "recipe " + recipe + " is not UTF-8 text" + where + "; save it as UTF-8";
    }

    private static String rootMessage(Throwable e) {
        return rootCause(e).getMessage();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    // ---------------------------------------------------------------- diagnose

    /** The checks of {@link Diagnosis}, printed; exits 0 only if all passed. Touches no host directory. */
    private int diagnose(Command.Diagnose command) {
        Path root = root(command.root(), false);
        Path configFile = command.config().map(Launcher::absolute).orElse(HostLayout.defaults(root).configFile());
        LoggingSetup.console(LogLevel.WARNING);
        loggingStarted = true;
        loggingToConsole = true;
        List<Check> checks;
        try {
            checks = new Diagnosis(environment, root, configFile, command.timeout(), InetAddress::getAllByName,
                    Version.current()).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.ERROR;
        }
        out.print(command.json() ? DiagnosisReport.json(checks) : DiagnosisReport.text(checks, DiagnosisReport.consoleMarks()));
        return DiagnosisReport.allPassed(checks) ? ExitCodes.OK : ExitCodes.ERROR;
    }

    // ---------------------------------------------------------------- demo

    private int demo(Command.Demo command) {
        Path root;
        try {
            root = Files.createTempDirectory("opsagent-demo-");
        } catch (IOException e) {
            throw new HostException("cannot create a folder for the demo: " + e, e);
        }
        try {
            return demo(command, root);
        } finally {
            removeTree(root);
        }
    }

    private int demo(Command.Demo command, Path root) {
        ConfigLoader.Loaded loaded = new ConfigLoader(root, environment).defaults();
        LauncherConfig config = loaded.config();
        HostLayout layout = HostLayout.of(root, config);
        HostPreparer.Prepared host = new HostPreparer().prepare(layout, false);
        try (InstanceLock lock = InstanceLock.acquire(layout.lockFile())) {
            LoggingSetup.console(config.global().logLevel());
            loggingStarted = true;
            loggingToConsole = true;
            Logger log = LogManager.getLogger(Launcher.class);
            loaded.warnings().forEach(log::warn);
            log.info("demo: {} rounds; the agent's files are under {} (removed at the end)", command.rounds(), root);
            AgentContext context = new AgentContext(config, layout, Optional.empty(),
                    new StatusFile(layout.statusFile()), Version.current(), out);
            AgentRuntime runtime = runtimes.get();
            DemoRequest request = new DemoRequest(command.rounds());
            return runWithStopHook(runtime, () -> runtime.demo(context, request), log);
        }
    }

    /** Removes the demo's folder; what cannot be removed is named on stderr, never an error. */
    private void removeTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            err.println("opsagent: could not remove the demo's folder " + root + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- status

    private int status(Command.Status command) {
        HostLayout layout = HostLayout.defaults(root(command.root(), false));
        StatusFile file = new StatusFile(layout.statusFile());
        InstanceLock.Probe lock = InstanceLock.probe(layout.lockFile());
        Optional<AgentStatus> status = file.read();
        if (command.json()) {
            JsonObject o = new JsonObject();
            if (lock.state() == InstanceLock.State.UNKNOWN) {
                o.add("running", JsonNull.INSTANCE);
            } else {
                o.addProperty("running", lock.state() == InstanceLock.State.HELD);
            }
            if (lock.pid().isPresent()) {
                o.addProperty("lock_pid", lock.pid().getAsLong());
            } else {
                o.add("lock_pid", JsonNull.INSTANCE);
            }
            o.addProperty("status_file", file.file().toString());
            o.add("status", status.<JsonElement>map(StatusFile::toJsonTree).orElse(JsonNull.INSTANCE));
            out.println(new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(o));
        } else {
            out.print(StatusReport.render(status, lock, file.file().toString(), clock.instant()));
        }
        switch (lock.state()) {
            case HELD:
                return ExitCodes.OK;
            case FREE:
                return ExitCodes.NOT_RUNNING;
            default:
                err.println("opsagent: " + lock.detail());
                return ExitCodes.ERROR;
        }
    }

    // ---------------------------------------------------------------- release-keygen, release-sign

    /**
     * Writes a new key pair with {@link ReleaseSigner#generateKeyPair(Path)} and prints the line
     * agents need. Uses no root, no configuration and no log file: a release manager runs it on
     * a workstation.
     */
    private int releaseKeygen(Command.ReleaseKeygen command) {
        ReleaseSigner.KeyFiles keys = ReleaseSigner.generateKeyPair(absolute(command.out()));
        out.println("private key: " + keys.privateKey() + " (mode 0600; keep it offline, never on an agent)");
        out.println("public key:  " + keys.publicKey());
        out.println("fingerprint: " + keys.fingerprint() + " (agents log it when they check a release)");
        out.println();
        out.println("For every agent's configuration (/etc/opsagent.conf):");
        out.println("[upgrade]");
        out.println("public_key = " + keys.publicKeyBase64());
        return ExitCodes.OK;
    }

    /**
     * Signs a tarball with {@link ReleaseSigner#sign(Path, String, Path)}, which first unpacks it as
     * agents will. When the public key that {@code release-keygen} wrote lies beside the private
     * key, the new signature is checked with it, so a mismatched pair is caught before upload.
     */
    private int releaseSign(Command.ReleaseSign command) {
        Path key = absolute(command.key());
        Path tarball = absolute(command.tarball());
        requireRegularFile(key, "private key");
        requireRegularFile(tarball, "tarball");
        // The unpacker's warnings (setuid bits dropped, say) go to stderr; nothing goes to a log file.
        LoggingSetup.console(LogLevel.WARNING);
        loggingStarted = true;
        loggingToConsole = true;
        ReleaseSigner.SignedRelease signed = ReleaseSigner.sign(tarball, command.version(), key);
        out.println("checked: agents would unpack " + signed.tarball() + " (" + signed.size() + " bytes)");
        out.println("version: " + signed.version() + " (signed with the sha256; agents accept it only as this version)");
        out.println("sha256:  " + signed.sha256());
        out.println("wrote " + signed.checksumFile());
        out.println("wrote " + signed.signatureFile());
        Optional<Path> publicKey = publicKeyBeside(key);
        if (publicKey.isPresent()) {
            PublicKey pub = ReleaseKeys.readPublicKey(publicKey.get());
            try {
                ReleaseSigner.verify(tarball, command.version(), pub);
            } catch (UpgradeException e) {
                throw new UpgradeException(UpgradeException.Kind.HOST, "the new signature does not verify with "
                        + publicKey.get() + ", which is not the public key of " + key + " (" + e.getMessage()
                        + "); agents configured with that public key would reject this release", e);
            }
            out.println("verified with " + publicKey.get() + " (" + ReleaseKeys.fingerprint(pub) + ")");
        }
        String name = ReleaseFetcher.uploadName(tarball.getFileName().toString());
        out.println("Upload to <base_remote>/" + signed.version() + "/, the tarball first and the signature last:");
        if (tarball.getFileName().toString().equals(name)) {
            out.println("  " + name + ", " + name + ReleaseFetcher.CHECKSUM_SUFFIX + ", " + name
                    + ReleaseFetcher.SIGNATURE_SUFFIX);
        } else {
            out.println("  " + signed.tarball() + " as " + name);
            out.println("  " + signed.checksumFile() + " as " + name + ReleaseFetcher.CHECKSUM_SUFFIX);
            out.println("  " + signed.signatureFile() + " as " + name + ReleaseFetcher.SIGNATURE_SUFFIX);
        }
        return ExitCodes.OK;
    }

    /** {@code opsagent-release.pub} beside {@code opsagent-release.key}, if it is there. */
    private static Optional<Path> publicKeyBeside(Path privateKey) {
        String name = privateKey.getFileName().toString();
        if (!name.endsWith(".key")) {
            return Optional.empty();
        }
        Path pub = privateKey.resolveSibling(name.substring(0, name.length() - ".key".length()) + ".pub");
        return Files.isRegularFile(pub) ? Optional.of(pub) : Optional.empty();
    }

    private static void requireRegularFile(Path file, String what) {
        if (!Files.exists(file)) {
            throw new HostException(what + " " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new HostException(what + " " + file + " is not a regular file");
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The root prefix from {@code --root} or {@link #ROOT_VARIABLE}; {@code create} makes a
     * missing one (mode 0755, parents too), for the commands that prepare the host anyway.
     */
    private Path root(Optional<Path> option, boolean create) {
        Path root = option.orElseGet(() -> {
            String fromEnvironment = environment.get(ROOT_VARIABLE);
            return fromEnvironment == null || fromEnvironment.isBlank() ? Path.of("/") : Path.of(fromEnvironment);
        });
        Path absolute = absolute(root);
        if (create && !Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            HostPreparer.createRoot(absolute);
        }
        if (!Files.isDirectory(absolute)) {
            throw new HostException("root " + absolute + " is not a directory"
                    + (option.isPresent() ? " (--root)" : " (" + ROOT_VARIABLE + ")"));
        }
        return absolute;
    }

    private static Path absolute(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private static String withoutUserInfo(java.net.URI uri) {
        if (uri.getUserInfo() == null) {
            return uri.toString();
        }
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
