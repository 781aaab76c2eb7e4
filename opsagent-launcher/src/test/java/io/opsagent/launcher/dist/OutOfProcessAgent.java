package io.opsagent.launcher.dist;

import io.opsagent.tck.AgentProbe;
import io.opsagent.tck.AgentSettings;
import io.opsagent.tck.AgentUnderTest;
import io.opsagent.tck.InstallOutcome;
import io.opsagent.tck.ReleaseInstaller;
import io.opsagent.tck.ReleaseSupervisor;
import io.opsagent.tck.SignedRelease;
import io.opsagent.launcher.upgrade.ReleaseKeys;
import io.opsagent.launcher.upgrade.UpgradeException;
import io.opsagent.launcher.upgrade.VerifyingInstaller;
import java.security.PublicKey;
import java.util.Optional;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar target/opsagent.jar run} in a process of its own, as the conformance kit's
 * agent under test: configured only through an {@code opsagent.conf} and a token file, with the
 * JVM flags {@code bin/opsagent} uses. A fresh one per test (see the {@code Launcher*ConformanceIT}
 * classes).
 */
final class OutOfProcessAgent implements AgentUnderTest {

    private static final Pattern UPGRADING = Pattern.compile("upgrading to (\\S+) \\(url (.*)\\)$");

    private Process process;
    private Path root;
    private ScheduledExecutorService tail;
    private CronKeptHost host;

    @Override
    public void start(AgentSettings settings, AgentProbe probe) throws IOException {
        root = settings.workDir().resolve("root");
        // Upgrades are verifiable (a throwaway key) but every download is refused (nothing
        // listens on port 9): the agent starts each ordered upgrade, which fails, and goes on.
        // The log line that says so is the kit's upgrade probe.
        Path config = writeConfig(root, settings, List.of("public_key = " + throwawayPublicKey()));
        Path jar = Path.of(System.getProperty("opsagent.dist.tarball")).resolveSibling("opsagent.jar");
        process = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager",
                "-jar", jar.toAbsolutePath().toString(),
                "run", "--config", config.toString(), "--root", root.toString()))
                .redirectErrorStream(true)
                .redirectOutput(settings.workDir().resolve("agent.out").toFile())
                .start();
        process.getOutputStream().close();
        tailLogForUpgrades(root.resolve("var/log/visualops/agent.log"), probe);
    }

    /** Reports every "upgrading to V (url U)" line of the agent's log to the kit's probe. */
    private void tailLogForUpgrades(Path log, AgentProbe probe) {
        tail = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-log-tail");
            t.setDaemon(true);
            return t;
        });
        long[] offset = {0};
        StringBuilder partial = new StringBuilder();
        tail.scheduleWithFixedDelay(() -> {
            try (SeekableByteChannel ch = Files.newByteChannel(log)) {
                ch.position(offset[0]);
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                int n;
                while ((n = ch.read(buffer)) > 0) {
                    offset[0] += n;
                    partial.append(new String(buffer.array(), 0, n, StandardCharsets.UTF_8));
                    buffer.clear();
                }
            } catch (IOException e) {
                return; // not there yet
            }
            int end;
            while ((end = partial.indexOf("\n")) >= 0) {
                Matcher m = UPGRADING.matcher(partial.substring(0, end).stripTrailing());
                if (m.find()) {
                    probe.upgradeStarted(m.group(1), m.group(2).equals("null") ? null : m.group(2));
                }
                partial.delete(0, end + 1);
            }
        }, 0, 20, TimeUnit.MILLISECONDS);
    }

    private static String throwawayPublicKey() {
        try {
            return ReleaseKeys.toBase64(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean reportsUpgrades() {
        return true;
    }

    /**
     * The launcher's {@link VerifyingInstaller}, in this JVM: the daemon installs releases only
     * after downloading them for an order, so the step after the download is reached through
     * its class API, the same verifier, unpacker and switcher the daemon's upgrader runs. Its
     * supervisor is a host kept by the cron keeper ({@link CronKeptHost}); once the kit asks for
     * it, each switch is recorded as on probation there, as the upgrader records it.
     */
    @Override
    public Optional<ReleaseInstaller> releaseInstaller(Path installDir, PublicKey trustKey) {
        return Optional.of(new ReleaseInstaller() {
            private VerifyingInstaller installer = new VerifyingInstaller(installDir, trustKey);

            @Override
            public InstallOutcome install(SignedRelease release) {
                try {
                    VerifyingInstaller.Installed installed = installer.install(release.version(), release.tarball(),
                            release.sha256(), release.signature());
                    return InstallOutcome.installed(installed.version(), installed.releaseDir());
                } catch (UpgradeException e) {
                    Optional<String> current = installer.currentVersion();
                    return InstallOutcome.refused(e.kind() + ": " + e.getMessage(), current.orElse(null),
                            current.map(v -> installer.switcher().releaseDir(v)).orElse(null));
                }
            }

            @Override
            public Optional<ReleaseSupervisor> supervisor() throws IOException {
                host = new CronKeptHost(installDir, trustKey);
                installer = installer.onProbation(host.upgradeState(), Clock.systemUTC());
                return Optional.of(host);
            }
        });
    }

    @Override
    public void stop() throws Exception {
        if (host != null) {
            host.close();
            host = null;
        }
        if (process == null) {
            return;
        }
        if (tail != null) {
            tail.shutdownNow();
        }
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        tree.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Writes {@code root}'s token and {@code opsagent.conf} for an agent with the kit's {@code
     * settings}, the built-in executor and the given {@code [upgrade]} lines; returns the file.
     */
    static Path writeConfig(Path root, AgentSettings settings, List<String> upgradeLines) throws IOException {
        Path etc = Files.createDirectories(root.resolve("etc"));
        Path token = etc.resolve("opsagent.token");
        Files.writeString(token, settings.instanceToken(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        List<String> lines = new ArrayList<>(List.of(
                "[userdata]",
                "ws_uri = " + settings.backendUrl(),
                "app_id = " + settings.appId(),
                "base_remote = http://127.0.0.1:9/releases",
                "[network]",
                // The id is given, so the agent never asks a cloud metadata service.
                "instance_id = " + settings.instanceId(),
                "reconnect_initial = " + ms(settings.reconnectInitial()),
                "reconnect_max = " + ms(settings.reconnectMax()),
                "not_ready_retry = " + ms(settings.notReadyRetryPause()),
                "ping_interval = " + ms(settings.pingInterval()),
                settings.caFile() == null ? "" : "ca_file = " + settings.caFile(),
                "[round]",
                "interval = " + ms(settings.roundInterval()),
                "backoff_initial = " + ms(settings.backoffInitial()),
                "backoff_max = " + ms(settings.backoffMax()),
                "state_timeout = " + ms(settings.stateTimeout()),
                "[executor]",
                "kind = native",
                "[upgrade]"));
        lines.addAll(upgradeLines);
        lines.add("");
        Path config = etc.resolve("opsagent.conf");
        Files.writeString(config, String.join("\n", lines), StandardCharsets.UTF_8);
        return config;
    }

    private static String ms(Duration d) {
        return d.toMillis() + "ms";
    }
}
