package io.opsagent.launcher.diagnose;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.BackendProbe;
import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.exec.StateExecutors;
import io.opsagent.launcher.config.ConfigLoader;
import io.opsagent.launcher.config.Durations;
import io.opsagent.launcher.config.ExecutorKind;
import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.host.FileModes;
import io.opsagent.launcher.host.HostLayout;
import io.opsagent.launcher.host.HostPreparer;
import io.opsagent.launcher.host.InstanceToken;
import io.opsagent.launcher.runtime.InstanceIdResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The checks of {@code opsagent diagnose}, in order: the configuration as {@code run} loads it,
 * the token file, the instance id, the way to the backend ({@link BackendChecks}), {@code
 * salt-call} and the free space for the state directory. A check that needs what an earlier one
 * failed to give is skipped. Every check is bounded in time, so a diagnosis never hangs.
 */
public final class Diagnosis {

    /** How long each network step and the instance id lookup may take unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** How long {@code salt-call --version} may take: Salt starts in about 2 s on a small host. */
    public static final Duration SALT_VERSION_TIMEOUT = Duration.ofSeconds(20);
    /** The free space the state directory needs: the recipe, the outbox journal and Salt's cache. */
    public static final long MIN_FREE_BYTES = 100L * 1024 * 1024;

    static final String CONFIGURATION = "configuration";
    static final String TOKEN_FILE = "token file";
    static final String INSTANCE_ID = "instance id";
    static final String SALT_CALL = "salt-call";
    static final String DISK_SPACE = "disk space";

    private final Map<String, String> environment;
    private final Path root;
    private final Path configFile;
    private final Duration timeout;
    private final BackendProbe.Resolver resolver;
    private final String agentVersion;

    /**
     * @param environment the process's environment (configuration overrides)
     * @param root the root prefix
     * @param configFile the configuration file {@code run} would read
     * @param timeout the bound of each network step
     * @param resolver looks host names up
     * @param agentVersion the version sent in the Handshake
     */
    public Diagnosis(Map<String, String> environment, Path root, Path configFile, Duration timeout,
            BackendProbe.Resolver resolver, String agentVersion) {
        this.environment = Map.copyOf(environment);
        this.root = Objects.requireNonNull(root, "root");
        this.configFile = Objects.requireNonNull(configFile, "configFile");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.agentVersion = Objects.requireNonNull(agentVersion, "agentVersion");
    }

    /** Makes every check and returns them in order. */
    public List<Check> run() throws InterruptedException {
        List<Check> checks = new ArrayList<>();
        LauncherConfig config;
        try {
            config = new ConfigLoader(root, environment).load(configFile).config();
            ConfigLoader.requireForRun(config);
            checks.add(Check.pass(CONFIGURATION, configFile + ": valid; backend "
                    + BackendChecks.loggable(config) + ", app " + config.userdata().appId().orElseThrow()
                    + ", executor " + config.executor().configName()));
        } catch (OpsAgentException e) {
            checks.add(Check.fail(CONFIGURATION, e.getMessage(), Files.exists(configFile)
                    ? "correct what the message names in " + configFile + " (docs/configuration.md lists every key)"
                    : "write " + configFile + " (the bootstrap does; config/opsagent.conf is an example),"
                            + " or give another with --config FILE"));
            String why = "needs a valid configuration";
            for (String name : List.of(TOKEN_FILE, INSTANCE_ID, BackendChecks.DNS, BackendChecks.TCP,
                    BackendChecks.TLS, BackendChecks.UPGRADE, BackendChecks.HANDSHAKE, SALT_CALL, DISK_SPACE)) {
                checks.add(Check.skip(name, why));
            }
            return checks;
        }
        HostLayout layout = HostLayout.of(root, config);
        Optional<InstanceToken> token = token(layout.tokenFile(), checks);
        Optional<String> instanceId = instanceId(config, checks);
        Optional<AgentIdentity> identity = token.isPresent() && instanceId.isPresent()
                ? Optional.of(new AgentIdentity(instanceId.get(), config.userdata().appId().orElseThrow(), agentVersion,
                        token.get().reveal()))
                : Optional.empty();
        checks.addAll(new BackendChecks(config, timeout, resolver).run(identity,
                token.isEmpty() ? "needs the token file" : "needs the instance id"));
        checks.add(saltCall(config));
        checks.add(diskSpace(layout.stateDir()));
        return checks;
    }

    // ---------------------------------------------------------------- token

    private static Optional<InstanceToken> token(Path file, List<Check> checks) {
        try {
            InstanceToken token = HostPreparer.readToken(file);
            int mode = FileModes.mode(Files.readAttributes(file, PosixFileAttributes.class).permissions());
            checks.add(Check.pass(TOKEN_FILE, file + ": present, mode " + FileModes.octal(mode)));
            return Optional.of(token);
        } catch (NoSuchFileException e) {
            checks.add(Check.fail(TOKEN_FILE, file + ": no such file", "opsagent run makes a new one (mode 0600) at"
                    + " its first start; if the agent ran here before, restore the file: the backend knows this"
                    + " instance by it"));
        } catch (OpsAgentException e) {
            checks.add(Check.fail(TOKEN_FILE, e.getMessage(), tokenFix(file)));
        } catch (IOException e) {
            checks.add(Check.fail(TOKEN_FILE, "cannot read " + file + ": " + e, "run diagnose as the user the agent"
                    + " runs as (root)"));
        }
        return Optional.empty();
    }

    private static String tokenFix(Path file) {
        try {
            PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class);
            if (attributes.isRegularFile() && HostPreparer.tokenModeTooOpen(FileModes.mode(attributes.permissions()))) {
                return "chmod 600 " + file;
            }
        } catch (IOException e) {
            return "run diagnose as the user the agent runs as (root)";
        }
        return "restore " + file + " from the bootstrap, or delete it to have a new token made at the next start";
    }

    // ---------------------------------------------------------------- instance id

    private Optional<String> instanceId(LauncherConfig config, List<Check> checks) throws InterruptedException {
        String configured = config.network().instanceId();
        if (!config.network().instanceIdIsUrl()) {
            checks.add(Check.pass(INSTANCE_ID, configured + " (set in [network] instance_id)"));
            return Optional.of(configured);
        }
        try {
            String id = InstanceIdResolver.fetchOnce(configured, timeout);
            checks.add(Check.pass(INSTANCE_ID, id + " (from " + configured + ")"));
            return Optional.of(id);
        } catch (IOException | OpsAgentException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            checks.add(Check.fail(INSTANCE_ID, "cannot get it from " + configured + " within "
                    + Durations.format(timeout) + ": " + why, "off a cloud instance, set the id itself in [network]"
                    + " instance_id; on EC2, check that the instance metadata service is enabled (IMDSv2 with a hop"
                    + " limit of at least 1)"));
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- salt-call

    private static Check saltCall(LauncherConfig config) throws InterruptedException {
        if (config.executor() == ExecutorKind.NATIVE) {
            return Check.pass(SALT_CALL, "not used: [executor] kind = native");
        }
        String configured = config.salt().saltCall();
        Optional<Path> found = StateExecutors.findSaltCall(configured.equals("salt-call") ? null : Path.of(configured));
        if (found.isEmpty()) {
            String where = configured.equals("salt-call") ? "not found on PATH (" + System.getenv("PATH") + ")"
                    : configured + ": missing or not executable";
            return Check.fail(SALT_CALL, where + "; [executor] kind = " + config.executor().configName(),
                    "install Salt, or set [salt] salt_call to its salt-call; or set [executor] kind = native when the"
                            + " built-in executor's modules are enough");
        }
        try {
            return Check.pass(SALT_CALL, found.get() + ", " + version(found.get()));
        } catch (IOException | TimeoutException e) {
            return Check.fail(SALT_CALL, found.get() + " --version failed: " + e.getMessage(),
                    "run " + found.get() + " --version by hand and repair the Salt installation it shows");
        }
    }

    /** The first line {@code salt-call --version} prints, within {@link #SALT_VERSION_TIMEOUT}. */
    static String version(Path saltCall) throws IOException, TimeoutException, InterruptedException {
        Process process = new ProcessBuilder(saltCall.toString(), "--version")
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        CompletableFuture<String> output = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                output.complete(new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.completeExceptionally(e);
            }
        }, "opsagent-diagnose-salt");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(SALT_VERSION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TimeoutException("no answer within " + Durations.format(SALT_VERSION_TIMEOUT));
            }
            String text = output.get(SALT_VERSION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).strip();
            String first = text.isEmpty() ? "" : text.lines().findFirst().orElse("");
            if (process.exitValue() != 0) {
                throw new IOException("exit code " + process.exitValue() + (first.isEmpty() ? "" : ": " + first));
            }
            if (first.isEmpty()) {
                throw new IOException("it printed no version");
            }
            return first;
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    // ---------------------------------------------------------------- disk space

    static Check diskSpace(Path stateDir) {
        Path existing = stateDir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Check.fail(DISK_SPACE, stateDir + ": no part of the path exists", "check [global] paths and --root");
        }
        try {
            long free = Files.getFileStore(existing).getUsableSpace();
            String detail = bytes(free) + " free for " + stateDir + (existing.equals(stateDir) ? "" : " (on " + existing
                    + ")") + "; at least " + bytes(MIN_FREE_BYTES) + " needed";
            return free >= MIN_FREE_BYTES ? Check.pass(DISK_SPACE, detail)
                    : Check.fail(DISK_SPACE, detail, "free space on the file system of " + existing);
        } catch (IOException e) {
            return Check.fail(DISK_SPACE, "cannot read the free space of " + existing + ": " + e.getMessage(),
                    "run diagnose as the user the agent runs as (root)");
        }
    }

    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(java.util.Locale.ROOT, "%.1f GiB", n / (double) (1L << 30));
        }
        return (n >> 20) + " MiB";
    }
}
