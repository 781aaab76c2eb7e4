package io.opsagent.launcher.dist;

import io.opsagent.launcher.testing.Processes;
import io.opsagent.launcher.upgrade.ReleaseKeys;
import io.opsagent.launcher.upgrade.ReleaseSwitcher;
import io.opsagent.launcher.upgrade.UpgradeState;
import io.opsagent.tck.AgentSettings;
import io.opsagent.tck.CurrentRelease;
import io.opsagent.tck.ReleaseSupervisor;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A host without systemd whose agent the cron keeper keeps running, for the conformance kit's
 * rollback test (SPEC.md R5.4): the supervisor behind {@link OutOfProcessAgent}'s release
 * installer. The host is a root prefix of its own, whose {@code opt/visualops} is a link to the
 * kit's install directory; the installer records each switch as on probation in this host's
 * {@code upgrade.json}, as the upgrader does. {@link #start} runs what {@code /etc/cron.d/opsagent}
 * runs, {@code keeper/opsagent-cron.sh} (or {@code current/scripts/opsagent-cron.sh} while there
 * is no {@code keeper/} yet) with {@code OPSAGENT_ROOT}, at a quarter of the come-up deadline
 * instead of every minute; the keeper starts {@code current/bin/opsagent run},
 * falls back to {@code previous/bin/opsagent run} after 3 starts of a release on probation that
 * did not stay up, and that release's {@code HandshakeGuard} points {@code current} back at
 * itself. A release that starts but sends no Handshake in time is rolled back by its own guard
 * (handshake_deadline is the come-up deadline).
 */
final class CronKeptHost implements ReleaseSupervisor {

    private final Path root;
    private final Path installDir;
    private final PublicKey trustKey;
    private final UpgradeState state;
    private final ReleaseSwitcher switcher;
    private Path workingRelease;
    private ScheduledExecutorService cron;
    private int runs;

    /** A host for the install directory {@code installDir}, under a new root prefix. */
    CronKeptHost(Path installDir, PublicKey trustKey) throws IOException {
        this.installDir = installDir;
        this.trustKey = trustKey;
        this.root = Files.createTempDirectory("opsagent-cron-host-");
        Files.createDirectories(root.resolve("opt"));
        Files.createSymbolicLink(root.resolve("opt/visualops"), installDir.toAbsolutePath());
        Path stateDir = Files.createDirectories(root.resolve("var/lib/visualops"));
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
        this.state = UpgradeState.load(stateDir.resolve("upgrade.json"), 3, Clock.systemUTC());
        this.switcher = new ReleaseSwitcher(installDir);
    }

    /** Where the installer records a switch on probation. */
    UpgradeState upgradeState() {
        return state;
    }

    /** The release as the build packaged it, unpacked. */
    @Override
    public synchronized Path workingRelease() throws Exception {
        if (workingRelease == null) {
            Path dir = Files.createDirectories(root.resolve("working-release"));
            UpgradeIT.untar(Path.of(System.getProperty("opsagent.dist.tarball")), dir);
            workingRelease = dir;
        }
        return workingRelease;
    }

    @Override
    public synchronized void start(AgentSettings settings, Duration comeUpDeadline) throws IOException {
        writeConfig(settings, comeUpDeadline);
        Duration pace = comeUpDeadline.dividedBy(4);
        cron = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cron-keeper");
            t.setDaemon(true);
            return t;
        });
        cron.scheduleWithFixedDelay(this::runKeeper, 0, pace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One run of the cron line; its output goes to cron.log, as the bootstrap's line has it. */
    private void runKeeper() {
        try {
            Path logs = Files.createDirectories(root.resolve("var/log/visualops"));
            // As cron runs the line (SHELL=/bin/sh): the keeper's copy in keeper/, else current's scripts.
            ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c",
                    CronScriptTest.cronCommand(root.resolve("opt/visualops")))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("cron.log").toFile()));
            Processes.cleanEnvironment(builder.environment());
            builder.environment().put("OPSAGENT_ROOT", root.toString());
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            // No class archive written at each exit: it is not what this host is about.
            builder.environment().put("OPSAGENT_CDS", "off");
            Process run = builder.start();
            synchronized (this) {
                runs++;
            }
            if (!run.waitFor(10, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        } catch (IOException e) {
            // The keeper could not be run (no current release yet): cron would log it and try again.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeConfig(AgentSettings settings, Duration comeUpDeadline) throws IOException {
        OutOfProcessAgent.writeConfig(root, settings, List.of(
                "public_key = " + ReleaseKeys.toBase64(trustKey),
                "handshake_deadline = " + comeUpDeadline.toMillis() + "ms"));
    }

    /** Stops the keeper, then every agent process of this host: they all carry its root in their arguments. */
    @Override
    public void stop() throws Exception {
        ScheduledExecutorService stopping;
        synchronized (this) {
            stopping = cron;
            cron = null;
        }
        if (stopping == null) {
            return;
        }
        stopping.shutdownNow();
        stopping.awaitTermination(15, TimeUnit.SECONDS);
        List<ProcessHandle> agents = agentsOfThisHost();
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        for (ProcessHandle agent : agents) {
            agent.destroy();
            exits.add(agent.onExit());
        }
        for (int i = 0; i < agents.size(); i++) {
            try {
                exits.get(i).get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                agents.get(i).destroyForcibly();
            }
        }
    }

    private List<ProcessHandle> agentsOfThisHost() {
        String marker = root.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(marker)).orElse(false))
                .toList();
    }

    @Override
    public CurrentRelease current() {
        Optional<String> version = switcher.currentVersion();
        return version.map(v -> new CurrentRelease(v, switcher.currentLink())).orElse(CurrentRelease.none());
    }

    /** What the keeper and the agents wrote, for a failure's diagnostics. */
    String logs() {
        StringBuilder text = new StringBuilder();
        synchronized (this) {
            text.append("the cron keeper ran ").append(runs).append(" times\n");
        }
        for (String name : List.of("var/log/visualops/cron.log", "var/log/visualops/agent.log",
                "var/log/visualops/agent.stderr")) {
            Path file = root.resolve(name);
            try {
                text.append("--- ").append(name).append('\n')
                        .append(Files.exists(file) ? Files.readString(file) : "(none)\n");
            } catch (IOException e) {
                text.append(e).append('\n');
            }
        }
        return text.toString();
    }

    /**
     * Stops everything, prints what the keeper and the agents logged (to the test's output), and
     * removes the host's root prefix, not the kit's install directory behind its link.
     */
    void close() throws Exception {
        stop();
        System.out.println(logs());
        Files.deleteIfExists(root.resolve("opt/visualops"));
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path path : paths) {
            Files.deleteIfExists(path);
        }
    }
}
