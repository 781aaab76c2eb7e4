package io.opsagent.launcher.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The registry of every configuration key: the one list that the loader, the sample file
 * {@code config/opsagent.conf} and {@code docs/configuration.md} must agree on (a test checks
 * it). Keys are listed in the order of the documents.
 */
public final class ConfigKeys {

    /** The AWS metadata URL the original agent read the instance id from. */
    public static final String AWS_INSTANCE_ID_URL = "http://169.254.169.254/latest/meta-data/instance-id";

    public static final ConfigKey WS_URI = key("userdata", "ws_uri", ValueType.WS_URI, null);
    public static final ConfigKey APP_ID = key("userdata", "app_id", ValueType.TEXT, null);
    public static final ConfigKey VERSION = key("userdata", "version", ValueType.TEXT, null);
    public static final ConfigKey BASE_REMOTE = key("userdata", "base_remote", ValueType.HTTP_URI, null);
    public static final ConfigKey GPG_KEY_URI = key("userdata", "gpg_key_uri", ValueType.HTTP_URI, null);

    public static final ConfigKey TOKEN = key("global", "token", ValueType.HOST_PATH, "/etc/opsagent.token");
    public static final ConfigKey LOGLVL = key("global", "loglvl", ValueType.LOG_LEVEL, "INFO");
    public static final ConfigKey LOG_PATH = key("global", "log_path", ValueType.HOST_PATH, "/var/log/visualops");
    public static final ConfigKey LOGFILE =
            key("global", "logfile", ValueType.HOST_PATH, "/var/log/visualops/agent.log");

    public static final ConfigKey ROUND_INTERVAL = key("round", "interval", ValueType.DURATION, "10m");
    public static final ConfigKey BACKOFF_INITIAL = key("round", "backoff_initial", ValueType.DURATION, "5s");
    public static final ConfigKey BACKOFF_MAX = key("round", "backoff_max", ValueType.DURATION, "5m");
    public static final ConfigKey STATE_TIMEOUT = key("round", "state_timeout", ValueType.DURATION, "1h");

    public static final ConfigKey INSTANCE_ID =
            key("network", "instance_id", ValueType.TEXT, AWS_INSTANCE_ID_URL);
    public static final ConfigKey RECONNECT_INITIAL =
            key("network", "reconnect_initial", ValueType.DURATION, "1s");
    public static final ConfigKey RECONNECT_MAX = key("network", "reconnect_max", ValueType.DURATION, "60s");
    public static final ConfigKey PING_INTERVAL = key("network", "ping_interval", ValueType.DURATION, "30s");
    public static final ConfigKey NOT_READY_RETRY =
            key("network", "not_ready_retry", ValueType.DURATION, "30s");
    public static final ConfigKey CA_FILE = key("network", "ca_file", ValueType.PATH, null);
    public static final ConfigKey CLIENT_CERT = key("network", "client_cert", ValueType.PATH, null);
    public static final ConfigKey CLIENT_KEY = key("network", "client_key", ValueType.PATH, null);

    public static final ConfigKey EXECUTOR_KIND = key("executor", "kind", ValueType.EXECUTOR, "auto");

    public static final ConfigKey SALT_CALL = key("salt", "salt_call", ValueType.TEXT, "salt-call");
    public static final ConfigKey SALT_DELAY = key("salt", "delay", ValueType.MINUTES, null);
    public static final ConfigKey SALT_WORKER = key("salt", "worker", ValueType.SWITCH, "on");
    public static final ConfigKey SALT_PYTHON = key("salt", "python", ValueType.PATH, null);
    public static final ConfigKey SALT_WORKER_MAX_STATES = key("salt", "worker_max_states", ValueType.COUNT, "500");
    public static final ConfigKey SALT_WORKER_MAX_RSS_MB = key("salt", "worker_max_rss_mb", ValueType.COUNT, "512");

    public static final ConfigKey UPGRADE_PUBLIC_KEY = key("upgrade", "public_key", ValueType.TEXT, null);
    public static final ConfigKey UPGRADE_PUBLIC_KEY_FILE = key("upgrade", "public_key_file", ValueType.PATH, null);
    public static final ConfigKey UPGRADE_HANDSHAKE_DEADLINE =
            key("upgrade", "handshake_deadline", ValueType.DURATION, "120s");
    public static final ConfigKey UPGRADE_MAX_FAILURES = key("upgrade", "max_failures", ValueType.COUNT, "3");

    /** Every key, in document order. */
    public static final List<ConfigKey> ALL = List.of(
            WS_URI, APP_ID, VERSION, BASE_REMOTE, GPG_KEY_URI,
            TOKEN, LOGLVL, LOG_PATH, LOGFILE, ignored("global", "watch"),
            ignored("global", "envroot"), ignored("global", "conf_path"), ignored("global", "package_path"),
            ignored("global", "scripts_path"), ignored("global", "platform"), ignored("global", "user"),
            ignored("global", "proc"), ignored("global", "pidfile"), ignored("global", "haltfile"),
            ignored("global", "token_reset"),
            ROUND_INTERVAL, BACKOFF_INITIAL, BACKOFF_MAX, STATE_TIMEOUT,
            INSTANCE_ID, RECONNECT_INITIAL, RECONNECT_MAX, PING_INTERVAL, NOT_READY_RETRY, CA_FILE, CLIENT_CERT, CLIENT_KEY,
            ignored("network", "userdata"), ignored("network", "get_retry"),
            EXECUTOR_KIND,
            SALT_CALL, SALT_DELAY, SALT_WORKER, SALT_PYTHON, SALT_WORKER_MAX_STATES, SALT_WORKER_MAX_RSS_MB,
            ignored("salt", "srv_root"), ignored("salt", "extension_modules"), ignored("salt", "cachedir"),
            ignored("salt", "pkg_cache"), ignored("salt", "timeout"), ignored("salt", "runtime"),
            UPGRADE_PUBLIC_KEY, UPGRADE_PUBLIC_KEY_FILE, UPGRADE_HANDSHAKE_DEADLINE, UPGRADE_MAX_FAILURES,
            ignored("module", "root"), ignored("module", "name"), ignored("module", "bootstrap"),
            ignored("module", "mod_repo"), ignored("module", "mod_tag"),
            ignored("module", "dst_adaptor"), ignored("module", "src_salt"), ignored("module", "src_adaptor"),
            ignored("module", "compat"));

    /**
     * Sections the original agent used for data of its own that are accepted and skipped whole:
     * {@code [runtime]} was its in-memory section.
     */
    public static final Set<String> IGNORED_SECTIONS = Set.of("runtime");

    private ConfigKeys() {}

    /** The sections that have keys, in document order. */
    public static List<String> sections() {
        Set<String> sections = new LinkedHashSet<>();
        for (ConfigKey key : ALL) {
            sections.add(key.section());
        }
        return List.copyOf(sections);
    }

    public static Optional<ConfigKey> find(String section, String name) {
        for (ConfigKey key : ALL) {
            if (key.section().equals(section) && key.name().equals(name)) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    public static List<ConfigKey> inSection(String section) {
        List<ConfigKey> keys = new ArrayList<>();
        for (ConfigKey key : ALL) {
            if (key.section().equals(section)) {
                keys.add(key);
            }
        }
        return Collections.unmodifiableList(keys);
    }

    /** The known name closest to {@code candidate} (at most two edits away), for "did you mean" hints. */
    static Optional<String> closest(String candidate, Iterable<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String name : known) {
            int d = editDistance(candidate, name);
            if (d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1)) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static ConfigKey key(String section, String name, ValueType type, String defaultValue) {
        return new ConfigKey(section, name, type, defaultValue);
    }

    private static ConfigKey ignored(String section, String name) {
        return new ConfigKey(section, name, ValueType.IGNORED, null);
    }
}
