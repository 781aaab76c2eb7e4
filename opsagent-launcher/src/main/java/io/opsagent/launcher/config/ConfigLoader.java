package io.opsagent.launcher.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Loads the configuration: reads the INI file, applies {@code OPSAGENT_<SECTION>_<KEY>}
 * environment overrides, parses and checks every value, and places default host paths under the
 * root prefix.
 *
 * <p>Any problem is a {@link ConfigException} that names the file and line (or the environment
 * variable), the key and what is wrong; there is never a silent fallback to defaults. Unknown
 * sections and keys are not errors, so that a file written for a newer agent still loads: they
 * come back as {@link Loaded#warnings() warnings} for the caller to log.
 *
 * <p>This class does no logging (it runs before logging is configured).
 */
public final class ConfigLoader {

    /** Files larger than this are refused: a configuration is a few hundred bytes. */
    static final long MAX_FILE_BYTES = 1024 * 1024;

    /**
     * The result of a load: the configuration, the warnings to log once logging is up, and every
     * used key's value as written with where it came from (for {@code opsagent config}).
     */
    public record Loaded(LauncherConfig config, List<String> warnings, List<Setting> settings) {
        public Loaded {
            Objects.requireNonNull(config, "config");
            warnings = List.copyOf(warnings);
            settings = List.copyOf(settings);
        }

        public Loaded(LauncherConfig config, List<String> warnings) {
            this(config, warnings, List.of());
        }
    }

    /**
     * One used key as it is in effect.
     *
     * @param key the key
     * @param value its text as written (host paths before the root prefix), or null when unset
     * @param origin where the value came from: the built-in default, a file line, or the environment
     */
    public record Setting(ConfigKey key, String value, Origin origin) {}

    private final Path root;
    private final Map<String, String> environment;

    /**
     * @param root the root prefix ({@code /} on a real host): default host paths are placed under it
     * @param environment the process environment, read for {@code OPSAGENT_<SECTION>_<KEY>} overrides
     */
    public ConfigLoader(Path root, Map<String, String> environment) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.environment = Map.copyOf(environment);
    }

    /** Loads {@code file}. */
    public Loaded load(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        String text = read(absolute);
        List<IniParser.Entry> entries = IniParser.parse(text, absolute);
        return resolve(Optional.of(absolute), entries);
    }

    /** The built-in defaults with environment overrides applied, for commands that run without a file. */
    public Loaded defaults() {
        return resolve(Optional.empty(), List.of());
    }

    /**
     * Checks what {@code opsagent run} needs beyond a valid file: the backend's URI and the app id.
     *
     * @throws ConfigException naming the file and the missing key
     */
    public static void requireForRun(LauncherConfig config) {
        String where = config.sourceName();
        if (config.userdata().wsUri().isEmpty()) {
            throw new ConfigException(where + ": " + ConfigKeys.WS_URI.displayName()
                    + ": missing; 'opsagent run' needs the backend's URI (ws:// or wss://)");
        }
        if (config.userdata().appId().isEmpty()) {
            throw new ConfigException(where + ": " + ConfigKeys.APP_ID.displayName()
                    + ": missing; 'opsagent run' needs the app id the backend knows this host by");
        }
    }

    /** {@code hostPath} (absolute, as on a real host) placed under {@code root}. */
    public static Path underRoot(Path root, String hostPath) {
        if (!hostPath.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute host path: " + hostPath);
        }
        return root.resolve(hostPath.substring(1)).normalize();
    }

    // ---------------------------------------------------------------- reading

    private static String read(Path file) {
        Origin origin = Origin.file(file);
        try {
            BasicFileAttributes attributes = readAttributes(file);
            if (attributes.isDirectory()) {
                throw ConfigException.at(origin, "is a directory, not a configuration file");
            }
            if (!attributes.isRegularFile()) {
                throw ConfigException.at(origin, "is not a regular file");
            }
            if (attributes instanceof PosixFileAttributes) {
                Set<PosixFilePermission> permissions = ((PosixFileAttributes) attributes).permissions();
                if (permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
                    throw ConfigException.at(origin, "is writable by every user (mode " + octal(permissions)
                            + "); the agent runs commands it names, so it refuses it: chmod o-w " + file);
                }
            }
            if (attributes.size() > MAX_FILE_BYTES) {
                throw ConfigException.at(origin, "is " + attributes.size() + " bytes; a configuration file is at most "
                        + MAX_FILE_BYTES + " bytes");
            }
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (NoSuchFileException e) {
            throw ConfigException.at(origin, "no such file");
        } catch (AccessDeniedException e) {
            throw ConfigException.at(origin, "cannot be read: permission denied");
        } catch (CharacterCodingException e) {
            throw ConfigException.at(origin, "is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(origin.describe() + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static BasicFileAttributes readAttributes(Path file) throws IOException {
        try {
            return Files.readAttributes(file, PosixFileAttributes.class);
        } catch (UnsupportedOperationException e) {
            return Files.readAttributes(file, BasicFileAttributes.class);
        }
    }

    private static String octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }

    // ---------------------------------------------------------------- resolving

    private record Raw(String value, Origin origin) {}

    private Loaded resolve(Optional<Path> file, List<IniParser.Entry> entries) {
        List<String> warnings = new ArrayList<>();
        Map<ConfigKey, Raw> raw = new HashMap<>();
        Set<String> warnedSections = new HashSet<>();
        Path source = file.orElse(null);
        for (IniParser.Entry entry : entries) {
            Origin origin = Origin.line(source, entry.line());
            Optional<ConfigKey> key = ConfigKeys.find(entry.section(), entry.key());
            if (key.isPresent()) {
                raw.put(key.get(), new Raw(entry.value(), origin));
            } else if (ConfigKeys.IGNORED_SECTIONS.contains(entry.section())) {
                continue;
            } else if (ConfigKeys.sections().contains(entry.section())) {
                List<String> names = new ArrayList<>();
                ConfigKeys.inSection(entry.section()).forEach(k -> names.add(k.name()));
                warnings.add(origin + ": [" + entry.section() + "] " + entry.key() + ": unknown key, ignored"
                        + ConfigKeys.closest(entry.key(), names).map(n -> " (did you mean '" + n + "'?)").orElse(""));
            } else if (warnedSections.add(entry.section())) {
                warnings.add(origin + ": [" + entry.section() + "]: unknown section, its keys are ignored"
                        + ConfigKeys.closest(entry.section(), ConfigKeys.sections())
                                .map(n -> " (did you mean [" + n + "]?)")
                                .orElse(""));
            }
        }
        applyEnvironment(raw, warnings);
        Values values = new Values(raw);
        LauncherConfig config = values.build(file);
        List<Setting> settings = new ArrayList<>();
        for (ConfigKey key : ConfigKeys.ALL) {
            if (key.isUsed()) {
                Raw r = raw.get(key);
                settings.add(r == null ? new Setting(key, key.defaultValue(), Origin.builtIn())
                        : new Setting(key, r.value(), r.origin()));
            }
        }
        return new Loaded(config, warnings, settings);
    }

    private void applyEnvironment(Map<ConfigKey, Raw> raw, List<String> warnings) {
        Map<String, ConfigKey> byVariable = new HashMap<>();
        for (ConfigKey key : ConfigKeys.ALL) {
            if (key.isUsed()) {
                byVariable.put(key.environmentVariable(), key);
            }
        }
        List<String> sectionPrefixes = new ArrayList<>();
        for (String section : ConfigKeys.sections()) {
            sectionPrefixes.add("OPSAGENT_" + section.toUpperCase(Locale.ROOT) + "_");
        }
        for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
            String variable = e.getKey();
            ConfigKey key = byVariable.get(variable);
            if (key != null) {
                raw.put(key, new Raw(e.getValue().strip(), Origin.environment(variable)));
            } else if (sectionPrefixes.stream().anyMatch(variable::startsWith)) {
                warnings.add("environment variable " + variable + " names no configuration key, ignored"
                        + ConfigKeys.closest(variable, byVariable.keySet())
                                .map(n -> " (did you mean " + n + "?)")
                                .orElse(""));
            }
        }
    }

    /** Typed access to the raw values, each check failing with the value's origin. */
    private final class Values {

        private final Map<ConfigKey, Raw> raw;

        Values(Map<ConfigKey, Raw> raw) {
            this.raw = raw;
        }

        LauncherConfig build(Optional<Path> file) {
            LauncherConfig.UserData userdata = new LauncherConfig.UserData(
                    optional(ConfigKeys.WS_URI, v -> uri(v, "ws", "wss")),
                    optional(ConfigKeys.APP_ID, ConfigLoader::text),
                    optional(ConfigKeys.VERSION, ConfigLoader::text),
                    optional(ConfigKeys.BASE_REMOTE, v -> uri(v, "http", "https")),
                    optional(ConfigKeys.GPG_KEY_URI, v -> uri(v, "http", "https")));

            Path logDir = hostPath(ConfigKeys.LOG_PATH);
            Path logFile = hostPath(ConfigKeys.LOGFILE);
            if (!raw.containsKey(ConfigKeys.LOGFILE) && raw.containsKey(ConfigKeys.LOG_PATH)) {
                logFile = logDir.resolve("agent.log");
            }
            LauncherConfig.GlobalSettings global = new LauncherConfig.GlobalSettings(
                    hostPath(ConfigKeys.TOKEN),
                    required(ConfigKeys.LOGLVL, ConfigLoader::logLevel),
                    logDir,
                    logFile);

            Optional<Duration> delay = optional(ConfigKeys.SALT_DELAY, ConfigLoader::minutes);
            Duration interval = required(ConfigKeys.ROUND_INTERVAL, ConfigLoader::positiveDuration);
            if (!isSet(ConfigKeys.ROUND_INTERVAL) && delay.isPresent()) {
                interval = delay.get();
            }
            LauncherConfig.RoundSettings round = new LauncherConfig.RoundSettings(
                    interval,
                    required(ConfigKeys.BACKOFF_INITIAL, ConfigLoader::positiveDuration),
                    required(ConfigKeys.BACKOFF_MAX, ConfigLoader::positiveDuration),
                    required(ConfigKeys.STATE_TIMEOUT, ConfigLoader::positiveDuration));
            notLonger(ConfigKeys.BACKOFF_INITIAL, round.backoffInitial(), ConfigKeys.BACKOFF_MAX, round.backoffMax());

            LauncherConfig.NetworkSettings network = new LauncherConfig.NetworkSettings(
                    required(ConfigKeys.INSTANCE_ID, ConfigLoader::text),
                    required(ConfigKeys.RECONNECT_INITIAL, ConfigLoader::positiveDuration),
                    required(ConfigKeys.RECONNECT_MAX, ConfigLoader::positiveDuration),
                    required(ConfigKeys.PING_INTERVAL, Durations::parse),
                    required(ConfigKeys.NOT_READY_RETRY, ConfigLoader::positiveDuration),
                    optional(ConfigKeys.CA_FILE, ConfigLoader::absolutePath),
                    optional(ConfigKeys.CLIENT_CERT, ConfigLoader::absolutePath),
                    optional(ConfigKeys.CLIENT_KEY, ConfigLoader::absolutePath));
            together(ConfigKeys.CLIENT_CERT, ConfigKeys.CLIENT_KEY);
            notLonger(ConfigKeys.RECONNECT_INITIAL, network.reconnectInitial(),
                    ConfigKeys.RECONNECT_MAX, network.reconnectMax());

            ExecutorKind executor = required(ConfigKeys.EXECUTOR_KIND, ConfigLoader::executor);

            LauncherConfig.SaltSettings salt = new LauncherConfig.SaltSettings(
                    required(ConfigKeys.SALT_CALL, ConfigLoader::command),
                    required(ConfigKeys.SALT_WORKER, ConfigLoader::onOff),
                    optional(ConfigKeys.SALT_PYTHON, ConfigLoader::absolutePath),
                    required(ConfigKeys.SALT_WORKER_MAX_STATES, ConfigLoader::count),
                    required(ConfigKeys.SALT_WORKER_MAX_RSS_MB, ConfigLoader::count));

            LauncherConfig.UpgradeSettings upgrade = new LauncherConfig.UpgradeSettings(
                    optional(ConfigKeys.UPGRADE_PUBLIC_KEY, ConfigLoader::text),
                    optional(ConfigKeys.UPGRADE_PUBLIC_KEY_FILE, ConfigLoader::absolutePath),
                    required(ConfigKeys.UPGRADE_HANDSHAKE_DEADLINE, ConfigLoader::positiveDuration),
                    required(ConfigKeys.UPGRADE_MAX_FAILURES, ConfigLoader::count));

            return new LauncherConfig(file, userdata, global, round, network, executor, salt, upgrade);
        }

        private boolean isSet(ConfigKey key) {
            Raw value = raw.get(key);
            return value != null && !value.value().isEmpty();
        }

        /** A key with a default: the set value, else the default. An empty value is an error. */
        private <T> T required(ConfigKey key, Function<String, T> parser) {
            Raw value = raw.get(key);
            if (value == null) {
                return parse(key, new Raw(key.defaultValue(), Origin.builtIn()), parser);
            }
            if (value.value().isEmpty()) {
                throw ConfigException.at(value.origin(), key, "is empty; remove the line to use the default ("
                        + key.defaultValue() + ")");
            }
            return parse(key, value, parser);
        }

        /** A key without a default: empty when not set or set to an empty value. */
        private <T> Optional<T> optional(ConfigKey key, Function<String, T> parser) {
            Raw value = raw.get(key);
            if (value == null || value.value().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(parse(key, value, parser));
        }

        /** A host path: the written value as written, else the default placed under the root. */
        private Path hostPath(ConfigKey key) {
            Raw value = raw.get(key);
            if (value == null) {
                return underRoot(root, key.defaultValue());
            }
            return required(key, ConfigLoader::absolutePath);
        }

        private <T> T parse(ConfigKey key, Raw value, Function<String, T> parser) {
            try {
                return parser.apply(value.value());
            } catch (IllegalArgumentException e) {
                throw ConfigException.at(value.origin(), key, e.getMessage());
            }
        }

        /** Two keys that are set both or neither; the error names the one that is set. */
        private void together(ConfigKey first, ConfigKey second) {
            if (isSet(first) != isSet(second)) {
                ConfigKey set = isSet(first) ? first : second;
                ConfigKey missing = set == first ? second : first;
                throw ConfigException.at(raw.get(set).origin(), set, "is set but " + missing.displayName()
                        + " is not; mutual TLS needs both the certificate and its key");
            }
        }

        private void notLonger(ConfigKey shortKey, Duration shorter, ConfigKey longKey, Duration longer) {
            if (shorter.compareTo(longer) > 0) {
                Raw blame = raw.containsKey(shortKey) ? raw.get(shortKey) : raw.get(longKey);
                Origin origin = blame == null ? Origin.builtIn() : blame.origin();
                throw ConfigException.at(origin, shortKey, Durations.format(shorter) + " is longer than "
                        + longKey.displayName() + " (" + Durations.format(longer) + "); the first pause cannot "
                        + "exceed the longest");
            }
        }
    }

    // ---------------------------------------------------------------- value parsers

    static int count(String value) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + value + "' is not a positive whole number");
    }

    static boolean onOff(String value) {
        switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "on":
                return true;
            case "off":
                return false;
            default:
                throw new IllegalArgumentException("'" + value + "' is neither on nor off");
        }
    }

    static String text(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("contains a control character (code " + (int) c + ")");
            }
        }
        return value;
    }

    static String command(String value) {
        text(value);
        if (value.contains("/") && !value.startsWith("/")) {
            throw new IllegalArgumentException("'" + value + "' must be a command name looked up on PATH "
                    + "or an absolute path");
        }
        return value;
    }

    static Duration positiveDuration(String value) {
        Duration d = Durations.parse(value);
        if (d.isZero()) {
            throw new IllegalArgumentException("must be longer than zero, got '" + value + "'");
        }
        return d;
    }

    static Duration minutes(String value) {
        if (!value.matches("\\d{1,9}") || Long.parseLong(value) == 0) {
            throw new IllegalArgumentException("'" + value + "' is not a positive whole number of minutes");
        }
        return Duration.ofMinutes(Long.parseLong(value));
    }

    static URI uri(String value, String... schemes) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + value + "' is not a URI: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!List.of(schemes).contains(scheme) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + value + "' must be a " + String.join(":// or ", schemes)
                    + ":// URI with a host");
        }
        return uri;
    }

    static Path absolutePath(String value) {
        Path path;
        try {
            path = Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + value + "' is not a path: " + e.getReason());
        }
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("'" + value + "' must be an absolute path");
        }
        return path.normalize();
    }

    static LogLevel logLevel(String value) {
        return LogLevel.fromConfigName(value).orElseThrow(() -> new IllegalArgumentException(
                "'" + value + "' is not a log level (use DEBUG, INFO, WARNING or ERROR)"));
    }

    static ExecutorKind executor(String value) {
        return ExecutorKind.fromConfigName(value).orElseThrow(() -> new IllegalArgumentException(
                "'" + value + "' is not an executor (use auto, salt or native)"));
    }
}
