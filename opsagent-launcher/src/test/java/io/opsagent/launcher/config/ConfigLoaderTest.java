package io.opsagent.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path root;

    /** The file the original agent's init.sh wrote, key for key. */
    static final String ORIGINAL_FILE = String.join("\n",
            "[global]",
            "envroot = /opt/visualops/env",
            "conf_path = /var/lib/visualops/opsagent",
            "log_path = /var/log/visualops",
            "package_path = /opt/visualops/env/lib/python2.7/site-packages",
            "scripts_path = /opt/visualops/bootstrap/opsagent/scripts",
            "token = /etc/opsagent.token",
            "watch = /var/lib/visualops/opsagent/watch",
            "logfile = /var/log/visualops/agent.log",
            "platform = APT",
            "user = root",
            "",
            "[userdata]",
            "ws_uri = wss://api.visualops.io:443/agent/",
            "app_id = app-1234",
            "version = 1.0",
            "base_remote = https://s3.amazonaws.com/opsagent",
            "gpg_key_uri = https://s3.amazonaws.com/opsagent/madeira.gpg.public.key",
            "",
            "[module]",
            "root = /opt/visualops/bootstrap",
            "name = salt",
            "bootstrap = scripts/bootstrap.sh",
            "mod_repo = ",
            "mod_tag = ",
            "",
            "[salt]",
            "pkg_cache = /var/cache/pkg",
            "srv_root = /srv/salt",
            "extension_modules = /var/cache/salt/minion/extmods",
            "cachedir = /var/cache/visualops",
            "delay = 10",
            "timeout = 30",
            "");

    @Test
    void loadsTheOriginalAgentsFileWithoutWarnings() throws IOException {
        Path file = write(ORIGINAL_FILE);

        ConfigLoader.Loaded loaded = loader().load(file);

        LauncherConfig c = loaded.config();
        assertThat(loaded.warnings()).isEmpty();
        assertThat(c.source()).contains(file);
        assertThat(c.userdata().wsUri()).contains(URI.create("wss://api.visualops.io:443/agent/"));
        assertThat(c.userdata().appId()).contains("app-1234");
        assertThat(c.userdata().version()).contains("1.0");
        assertThat(c.userdata().baseRemote()).contains(URI.create("https://s3.amazonaws.com/opsagent"));
        assertThat(c.global().tokenFile()).isEqualTo(Path.of("/etc/opsagent.token"));
        assertThat(c.global().logFile()).isEqualTo(Path.of("/var/log/visualops/agent.log"));
        assertThat(c.round().interval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.salt().worker()).isTrue();
    }

    @Test
    void watchAndTheModuleKeysAreAcceptedButNotReadBecauseNothingUsesThem() throws IOException {
        // Values that no parser would take: they must not stop the agent, since nothing reads them.
        Path file = write("[global]\nwatch = relative/watch\n[module]\nroot = relative\nname =\nbootstrap =\n"
                + "mod_repo = x\nmod_tag = y\n");

        ConfigLoader.Loaded loaded = loader().load(file);

        assertThat(loaded.warnings()).isEmpty();
        for (String name : new String[] {"root", "name", "bootstrap", "mod_repo", "mod_tag"}) {
            assertThat(ConfigKeys.find("module", name)).get().extracting(ConfigKey::isUsed).isEqualTo(false);
        }
        assertThat(ConfigKeys.find("global", "watch")).get().extracting(ConfigKey::isUsed).isEqualTo(false);
    }

    @Test
    void builtInDefaultsMatchTheDocumentedOnesAndLiveUnderTheRoot() {
        LauncherConfig c = loader().defaults().config();

        assertThat(c.source()).isEmpty();
        assertThat(c.sourceName()).isEqualTo("built-in defaults");
        assertThat(c.round().interval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.round().backoffInitial()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.round().backoffMax()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.round().stateTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(c.network().reconnectInitial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.network().reconnectMax()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.network().pingInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.network().notReadyRetry()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.network().instanceIdIsUrl()).isTrue();
        assertThat(c.network().caFile()).isEmpty();
        assertThat(c.executor()).isEqualTo(ExecutorKind.AUTO);
        assertThat(c.global().logLevel()).isEqualTo(LogLevel.INFO);
        assertThat(c.global().tokenFile()).isEqualTo(root.resolve("etc/opsagent.token"));
        assertThat(c.global().logDir()).isEqualTo(root.resolve("var/log/visualops"));
        assertThat(c.global().logFile()).isEqualTo(root.resolve("var/log/visualops/agent.log"));
        assertThat(c.salt().saltCall()).isEqualTo("salt-call");
        assertThat(c.salt().worker()).isTrue();
        assertThat(c.salt().python()).isEmpty();
        assertThat(c.salt().workerMaxStates()).isEqualTo(500);
        assertThat(c.salt().workerMaxRssMb()).isEqualTo(512);
        assertThat(c.userdata().wsUri()).isEmpty();
    }

    @Test
    void theSaltWorkerKeysAreRead() throws IOException {
        Path file = write("[salt]\nworker = off\npython = /opt/saltstack/salt/bin/python3\n"
                + "worker_max_states = 20\nworker_max_rss_mb = 256\n");

        LauncherConfig.SaltSettings salt = loader().load(file).config().salt();

        assertThat(salt.worker()).isFalse();
        assertThat(salt.python()).contains(Path.of("/opt/saltstack/salt/bin/python3"));
        assertThat(salt.workerMaxStates()).isEqualTo(20);
        assertThat(salt.workerMaxRssMb()).isEqualTo(256);
    }

    @Test
    void aWorkerSwitchThatIsNeitherOnNorOffIsRefusedWithItsPlace() throws IOException {
        Path file = write("[salt]\nworker = yes please\n");

        assertThatThrownBy(() -> loader().load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("[salt] worker")
                .hasMessageContaining("'yes please' is neither on nor off");
    }

    @Test
    void newKeysAreReadWithTheirUnits() throws IOException {
        Path file = write("[round]\ninterval = 90s\nbackoff_initial = 500ms\nbackoff_max = 1h\nstate_timeout = 10m\n"
                + "[network]\ninstance_id = i-0abc\nping_interval = 0s\nca_file = /etc/ssl/backend.pem\n"
                + "[executor]\nkind = native\n[salt]\nsalt_call = /usr/bin/salt-call\n[global]\nloglvl = warn\n");

        LauncherConfig c = loader().load(file).config();

        assertThat(c.round().interval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.round().backoffInitial()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.round().backoffMax()).isEqualTo(Duration.ofHours(1));
        assertThat(c.round().stateTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.network().instanceId()).isEqualTo("i-0abc");
        assertThat(c.network().instanceIdIsUrl()).isFalse();
        assertThat(c.network().pingInterval()).isZero();
        assertThat(c.network().caFile()).contains(Path.of("/etc/ssl/backend.pem"));
        assertThat(c.executor()).isEqualTo(ExecutorKind.NATIVE);
        assertThat(c.salt().saltCall()).isEqualTo("/usr/bin/salt-call");
        assertThat(c.global().logLevel()).isEqualTo(LogLevel.WARNING);
    }

    @Test
    void theMutualTlsFilesAreReadTogether() throws IOException {
        LauncherConfig c = loader().load(write("[network]\nclient_cert = /etc/opsagent/host.crt\n"
                + "client_key = /etc/opsagent/host.key\n")).config();
        assertThat(c.network().clientCert()).contains(Path.of("/etc/opsagent/host.crt"));
        assertThat(c.network().clientKey()).contains(Path.of("/etc/opsagent/host.key"));

        assertProblem("[network]\n\nclient_cert = /etc/opsagent/host.crt\n",
                ":3: [network] client_cert: is set but [network] client_key is not; mutual TLS needs both");
        assertProblem("[network]\nclient_key = /etc/opsagent/host.key\n",
                ":2: [network] client_key: is set but [network] client_cert is not");
        assertProblem("[network]\nclient_key = host.key\nclient_cert = /a.crt\n", ":2: [network] client_key: ");
    }

    @Test
    void theLogFileFollowsTheLogDirectoryUnlessItIsSetItself() throws IOException {
        LauncherConfig moved = loader().load(write("[global]\nlog_path = /data/logs\n")).config();
        assertThat(moved.global().logDir()).isEqualTo(Path.of("/data/logs"));
        assertThat(moved.global().logFile()).isEqualTo(Path.of("/data/logs/agent.log"));

        LauncherConfig both = loader().load(write("[global]\nlog_path = /data/logs\nlogfile = /elsewhere/a.log\n"))
                .config();
        assertThat(both.global().logFile()).isEqualTo(Path.of("/elsewhere/a.log"));
    }

    @Test
    void roundIntervalOverridesTheOriginalsSaltDelay() throws IOException {
        assertThat(loader().load(write("[salt]\ndelay = 3\n")).config().round().interval())
                .isEqualTo(Duration.ofMinutes(3));
        assertThat(loader().load(write("[salt]\ndelay = 3\n[round]\ninterval = 45s\n")).config().round().interval())
                .isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void aBadValueNamesFileLineKeyAndProblem() throws IOException {
        Path file = write("# comment\n\n[userdata]\nws_uri = wss://x/\n\n[round]\ninterval = 5x\n");

        assertThatThrownBy(() -> loader().load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":7: [round] interval: '5x' is not a duration (use e.g. 500ms, 5s, 10m)");
    }

    @Test
    void eachKindOfValueIsChecked() throws IOException {
        assertProblem("[userdata]\nws_uri = http://backend/\n",
                ":2: [userdata] ws_uri: 'http://backend/' must be a ws:// or wss:// URI with a host");
        assertProblem("[userdata]\nbase_remote = ftp://x/\n",
                ":2: [userdata] base_remote: 'ftp://x/' must be a http:// or https:// URI with a host");
        assertProblem("[userdata]\nws_uri = wss://bad host/\n", ":2: [userdata] ws_uri: 'wss://bad host/' is not a URI");
        assertProblem("[global]\nloglvl = LOUD\n",
                ":2: [global] loglvl: 'LOUD' is not a log level (use DEBUG, INFO, WARNING or ERROR)");
        assertProblem("[executor]\nkind = puppet\n",
                ":2: [executor] kind: 'puppet' is not an executor (use auto, salt or native)");
        assertProblem("[salt]\ndelay = ten\n", ":2: [salt] delay: 'ten' is not a positive whole number of minutes");
        assertProblem("[salt]\ndelay = 0\n", ":2: [salt] delay: '0' is not a positive whole number of minutes");
        assertProblem("[salt]\nsalt_call = bin/salt-call\n",
                ":2: [salt] salt_call: 'bin/salt-call' must be a command name looked up on PATH or an absolute path");
        assertProblem("[global]\ntoken = etc/opsagent.token\n",
                ":2: [global] token: 'etc/opsagent.token' must be an absolute path");
        assertProblem("[round]\ninterval = 0s\n", ":2: [round] interval: must be longer than zero, got '0s'");
        assertProblem("[round]\ninterval =\n",
                ":2: [round] interval: is empty; remove the line to use the default (10m)");
    }

    @Test
    void firstPausesCannotExceedTheLongest() throws IOException {
        assertProblem("[round]\nbackoff_initial = 10m\n",
                ":2: [round] backoff_initial: 10m is longer than [round] backoff_max (5m); the first pause cannot "
                        + "exceed the longest");
        assertProblem("[network]\nreconnect_max = 500ms\n",
                ":2: [network] reconnect_initial: 1s is longer than [network] reconnect_max (500ms); the first pause "
                        + "cannot exceed the longest");
    }

    @Test
    void syntaxErrorsNameTheLine() throws IOException {
        assertProblem("ws_uri = wss://x/\n", ":1: key 'ws_uri' is outside any [section]");
        assertProblem("[round\n", ":1: '[round' is not a section header (write [name])");
        assertProblem("[round]\njust words\n", ":2: 'just words' is neither a [section], a key = value line nor a comment");
        assertProblem("[round]\ninterval = 1m\nINTERVAL = 2m\n", ":3: [round] interval: given twice (first on line 2)");
    }

    @Test
    void emptyOptionalValuesMeanNotSetAndValuesKeepHashesAndSemicolons() throws IOException {
        Path file = write("[userdata]\napp_id =\nbase_remote = https://dl.example/a#b;c\n");

        LauncherConfig c = loader().load(file).config();

        assertThat(c.userdata().appId()).isEmpty();
        assertThat(c.userdata().baseRemote()).contains(URI.create("https://dl.example/a#b;c"));
    }

    @Test
    void unknownKeysAndSectionsAreWarningsWithAHint() throws IOException {
        Path file = write("[round]\nintervall = 5m\n[Global]\nloglvl = DEBUG\nmore = 1\n[runtime]\nanything = x\n"
                + "[future]\nfeature = on\n");

        ConfigLoader.Loaded loaded = loader().load(file);

        assertThat(loaded.warnings()).containsExactly(
                file + ":2: [round] intervall: unknown key, ignored (did you mean 'interval'?)",
                file + ":4: [Global]: unknown section, its keys are ignored (did you mean [global]?)",
                file + ":9: [future]: unknown section, its keys are ignored");
        assertThat(loaded.config().round().interval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(loaded.config().global().logLevel()).isEqualTo(LogLevel.INFO);
    }

    @Test
    void environmentVariablesWinOverTheFile() throws IOException {
        Path file = write("[round]\ninterval = 5m\n[userdata]\napp_id = from-file\n");
        ConfigLoader loader = new ConfigLoader(root, Map.of(
                "OPSAGENT_ROUND_INTERVAL", "30s",
                "OPSAGENT_USERDATA_APP_ID", "from-env",
                "OPSAGENT_GLOBAL_TOKEN", "/run/secrets/token",
                "OPSAGENT_ROOT", "/ignored/here",
                "OPSAGENT_JAVA_OPTS", "-Xmx32m"));

        ConfigLoader.Loaded loaded = loader.load(file);

        assertThat(loaded.config().round().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(loaded.config().userdata().appId()).contains("from-env");
        assertThat(loaded.config().global().tokenFile()).isEqualTo(Path.of("/run/secrets/token"));
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void aBadEnvironmentValueNamesTheVariable() {
        ConfigLoader loader = new ConfigLoader(root, Map.of("OPSAGENT_ROUND_INTERVAL", "soon"));

        assertThatThrownBy(loader::defaults)
                .isInstanceOf(ConfigException.class)
                .hasMessage("environment variable OPSAGENT_ROUND_INTERVAL: [round] interval: 'soon' is not a duration "
                        + "(use e.g. 500ms, 5s, 10m)");
    }

    @Test
    void aMisspelledEnvironmentVariableIsAWarning() {
        ConfigLoader loader = new ConfigLoader(root, Map.of("OPSAGENT_ROUND_INTERVALL", "5m"));

        assertThat(loader.defaults().warnings()).containsExactly(
                "environment variable OPSAGENT_ROUND_INTERVALL names no configuration key, ignored "
                        + "(did you mean OPSAGENT_ROUND_INTERVAL?)");
    }

    @Test
    void anUnusableFileIsAnErrorNeverTheDefaults() throws IOException {
        Path missing = root.resolve("nope.conf");
        assertThatThrownBy(() -> loader().load(missing)).hasMessage(missing + ": no such file");

        assertThatThrownBy(() -> loader().load(root)).hasMessage(root + ": is a directory, not a configuration file");

        Path binary = root.resolve("binary.conf");
        Files.write(binary, new byte[] {'[', 'a', ']', '\n', (byte) 0xff, (byte) 0xfe});
        assertThatThrownBy(() -> loader().load(binary)).hasMessage(binary + ": is not UTF-8 text");

        Path open = write("[round]\ninterval = 1m\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> loader().load(open)).hasMessage(open + ": is writable by every user (mode 0666); "
                + "the agent runs commands it names, so it refuses it: chmod o-w " + open);
    }

    @Test
    void runNeedsTheBackendAndTheAppId() throws IOException {
        Path noUri = write("[userdata]\napp_id = a\n");
        assertThatThrownBy(() -> ConfigLoader.requireForRun(loader().load(noUri).config()))
                .hasMessage(noUri + ": [userdata] ws_uri: missing; 'opsagent run' needs the backend's URI "
                        + "(ws:// or wss://)");

        Path noApp = write("[userdata]\nws_uri = ws://127.0.0.1:8080/agent\n");
        assertThatThrownBy(() -> ConfigLoader.requireForRun(loader().load(noApp).config()))
                .hasMessage(noApp + ": [userdata] app_id: missing; 'opsagent run' needs the app id the backend knows "
                        + "this host by");

        Path both = write("[userdata]\nws_uri = ws://127.0.0.1:8080/agent\napp_id = a\n");
        ConfigLoader.requireForRun(loader().load(both).config());
    }

    @Test
    void acceptsColonsBlanksCrLfAndAByteOrderMark() throws IOException {
        Path file = root.resolve("windows.conf");
        Files.writeString(file, "\uFEFF[userdata]\r\n  app_id: a1  \r\n\tws_uri=wss://b/\r\n", StandardCharsets.UTF_8);

        LauncherConfig c = loader().load(file).config();

        assertThat(c.userdata().appId()).contains("a1");
        assertThat(c.userdata().wsUri()).contains(URI.create("wss://b/"));
    }

    @Test
    void withExecutorReplacesOnlyTheExecutor() {
        LauncherConfig c = loader().defaults().config();
        LauncherConfig salt = c.withExecutor(ExecutorKind.SALT);

        assertThat(salt.executor()).isEqualTo(ExecutorKind.SALT);
        assertThat(salt.round()).isEqualTo(c.round());
        assertThat(salt.source()).isEqualTo(Optional.empty());
    }

    private ConfigLoader loader() {
        return new ConfigLoader(root, Map.of());
    }

    private int files;

    private Path write(String text) throws IOException {
        Path file = root.resolve("opsagent-" + (++files) + ".conf");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private void assertProblem(String text, String expectedAfterFileName) throws IOException {
        Path file = write(text);
        assertThatThrownBy(() -> loader().load(file))
                .isInstanceOf(ConfigException.class)
                .message()
                .startsWith(file + expectedAfterFileName);
    }
}
