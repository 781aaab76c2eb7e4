package io.opsagent.launcher.upgrade;

import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.spi.Upgrader;
import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import io.opsagent.launcher.upgrade.UpgradeState.InFlightSwitch;
import io.opsagent.launcher.upgrade.UpgradeState.PendingUpgrade;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Carries out an upgrade order on its own thread: refuse what must not be installed, fetch and
 * verify the release, unpack it beside the running one, record the switch to be verified, switch
 * {@code current}, and report {@code finished()}, after which the agent stops and the launcher
 * exits with {@link #RESTART_EXIT_CODE} so that its supervisor starts the new release. Every
 * other outcome is {@code failed(reason)} and leaves the running release and {@code current}
 * as they were.
 *
 * <p>Refused: an invalid version name, the version already running or already current, a version
 * marked bad, and every order when no public key is configured. An order that comes while this
 * release is on probation (before its first Handshake) is kept, and carried out on
 * {@link #probationConfirmed()}. A release that fails verification or the unpacker's rules counts a failure
 * against its version; download failures do not (the network is not the release's fault).
 *
 * <p>The release is fetched in the running release's {@link ReleaseKind}: a host that runs a
 * platform release takes the platform tarball, and a release that could not start on this host
 * (a platform host's new release without a runtime of its platform) is rejected before the switch.
 *
 * <p>The order is recorded on disk before anything is fetched and removed when the upgrade has
 * succeeded or failed; an agent stopped in between finds it at its next start
 * ({@link #carryOutPendingUpgrade()}).
 */
public final class LauncherUpgrader implements Upgrader, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(LauncherUpgrader.class);

    /**
     * The exit code of {@code opsagent run} after an upgrade was installed (or a rollback made):
     * restart from the {@code current} link. 75 is {@code EX_TEMPFAIL} of sysexits.h; the systemd
     * unit and the cron script restart the agent on it.
     */
    public static final int RESTART_EXIT_CODE = 75;

    private final UpgradeSettings settings;
    private final UpgradeState state;
    private final String runningVersion;
    private final ReleaseKind runningKind;
    private final Clock clock;
    private final Executor executor;
    private final ExecutorService ownExecutor;
    private final ReleaseSwitcher switcher;
    private final SafeUnpacker unpacker;
    private final ReleaseFetcher fetcher;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Guarded by this: the first Handshake was sent; an order kept until then; how to tell it it was superseded. */
    private boolean probationOver;
    private Runnable keptOrder;
    private UpgradeCallback keptCallback;

    /**
     * An upgrader with its own thread ({@code opsagent-upgrade}) and the system clock; close it
     * to stop the thread.
     *
     * @param runningVersion the release this process runs (see {@link ReleaseSwitcher#releaseOf})
     * @param runningKind the kind of that release ({@link ReleaseKind#ofJar}), which the new one is fetched in
     */
    public LauncherUpgrader(UpgradeSettings settings, UpgradeState state, String runningVersion,
            ReleaseKind runningKind) {
        this(settings, state, runningVersion, runningKind, Clock.systemUTC(), null);
    }

    /**
     * @param clock stamps the upgrade state
     * @param executor runs each upgrade; the caller owns it
     */
    public LauncherUpgrader(UpgradeSettings settings, UpgradeState state, String runningVersion,
            ReleaseKind runningKind, Clock clock, Executor executor) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.state = Objects.requireNonNull(state, "state");
        this.runningVersion = Objects.requireNonNull(runningVersion, "runningVersion");
        this.runningKind = Objects.requireNonNull(runningKind, "runningKind");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (executor == null) {
            this.ownExecutor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "opsagent-upgrade");
                t.setDaemon(true);
                return t;
            });
            this.executor = ownExecutor;
        } else {
            this.ownExecutor = null;
            this.executor = executor;
        }
        this.switcher = new ReleaseSwitcher(settings.installDir());
        this.unpacker = new SafeUnpacker(settings.maxReleaseBytes(), settings.maxReleaseEntries());
        this.fetcher = settings.publicKey() == null ? null
                : new ReleaseFetcher(() -> ReleaseFetcher.newHttpClient(settings.connectTimeout()),
                        settings.baseRemote(), settings.publicKey(), settings.maxDownloadBytes(),
                        settings.downloadTimeout());
    }

    /** Starts the upgrade on the upgrade thread and returns; the outcome goes to {@code callback} once. */
    @Override
    public void upgrade(AgentUpdate order, UpgradeCallback callback) {
        Objects.requireNonNull(order, "order");
        OnceCallback once = new OnceCallback(order.version(), Objects.requireNonNull(callback, "callback"));
        if (!busy.compareAndSet(false, true)) {
            once.failed("refused: another upgrade is under way");
            return;
        }
        // The upgrader is free again before the outcome is reported, so that an order given in
        // answer to it is not refused as "another upgrade is under way"; and freed only once, so
        // that such an order is not freed by this one's end.
        AtomicBoolean freed = new AtomicBoolean();
        Runnable free = () -> {
            if (freed.compareAndSet(false, true)) {
                busy.set(false);
            }
        };
        UpgradeCallback freeFirst = new UpgradeCallback() {
            @Override
            public void finished() {
                free.run();
                once.finished();
            }

            @Override
            public void failed(String reason) {
                free.run();
                once.failed(reason);
            }
        };
        try {
            executor.execute(() -> {
                try {
                    run(order, freeFirst);
                } finally {
                    free.run();
                }
            });
        } catch (RejectedExecutionException e) {
            busy.set(false);
            once.failed("refused: the upgrader is shut down");
        }
    }

    /**
     * Records an order as soon as it arrives, while the round it waits for still runs, so that an
     * agent stopped before the round ends carries it out at its next start. Optional: an order is
     * also recorded when its upgrade starts.
     */
    public void orderReceived(AgentUpdate order) {
        if (!ReleaseVersion.isValid(order.version())) {
            return;
        }
        try {
            state.setPending(new PendingUpgrade(order.version(), order.url(), clock.instant(), order.downgrade()));
        } catch (UpgradeException e) {
            LOG.warn("could not record the upgrade order to {}: {}", order.version(), e.getMessage());
        }
    }

    /** The order recorded on disk and not yet carried out, if any. */
    public Optional<AgentUpdate> pendingOrder() {
        return state.pending().map(p -> new AgentUpdate(p.version(), p.url(), p.downgrade()));
    }

    /**
     * At start-up, before the agent connects: carries out an upgrade that was ordered but not
     * carried out before the agent stopped. Blocks until it is done. Whatever the outcome, the
     * record is removed; a failure is logged and the agent goes on with the running release.
     *
     * @return true when the new release is installed: stop and exit with {@link #RESTART_EXIT_CODE}
     */
    public boolean carryOutPendingUpgrade() {
        Optional<AgentUpdate> order = pendingOrder();
        if (order.isEmpty()) {
            return false;
        }
        LOG.info("carrying out the upgrade to {} that was ordered before the agent stopped", order.get().version());
        CompletableFuture<Boolean> outcome = new CompletableFuture<>();
        upgrade(order.get(), new UpgradeCallback() {
            @Override
            public void finished() {
                outcome.complete(true);
            }

            @Override
            public void failed(String reason) {
                LOG.warn("the pending upgrade to {} failed: {}; going on with release {}", order.get().version(),
                        reason, runningVersion);
                outcome.complete(false);
            }
        });
        return outcome.join();
    }

    /** Stops the upgrade thread if this upgrader made it. */
    @Override
    public void close() {
        if (ownExecutor != null) {
            ownExecutor.shutdownNow();
        }
    }

    /**
     * The running release has sent its first Handshake (called on that event): an order kept
     * while it was on probation is carried out now.
     */
    public void probationConfirmed() {
        Runnable kept;
        synchronized (this) {
            probationOver = true;
            kept = keptOrder;
            keptOrder = null;
        }
        if (kept != null) {
            try {
                executor.execute(kept);
            } catch (RejectedExecutionException e) {
                LOG.warn("the upgrader is shut down; the kept order is not carried out");
            }
        }
    }

    /**
     * Keeps {@code order} until {@link #probationConfirmed()} when this release is still on
     * probation; a newer kept order replaces it (the older one fails as superseded).
     *
     * @return whether the order was kept
     */
    private boolean keptForProbation(AgentUpdate order, UpgradeCallback callback) {
        UpgradeCallback previous;
        synchronized (this) {
            boolean onProbation = state.inFlight().filter(c -> c.version().equals(runningVersion)).isPresent();
            if (probationOver || !onProbation) {
                return false;
            }
            previous = keptCallback;
            keptCallback = callback;
            keptOrder = () -> run(order, callback);
        }
        if (previous != null) {
            previous.failed("superseded by the order to " + order.version() + " while release " + runningVersion
                    + " was on probation");
        }
        LOG.info("the order to {} is kept until release {} has sent its first Handshake", order.version(),
                runningVersion);
        return true;
    }

    private void run(AgentUpdate order, UpgradeCallback callback) {
        String version = order.version();
        if (keptForProbation(order, callback)) {
            return;
        }
        synchronized (this) {
            keptCallback = null;
        }
        try {
            refuseIfUnfit(order);
            state.setPending(new PendingUpgrade(version, order.url(),
                    state.pending().filter(p -> p.version().equals(version)).map(PendingUpgrade::orderedAt)
                            .orElse(clock.instant()), order.downgrade()));
            // Free the disk of releases no rollback can reach, and of what a crash left, before downloading.
            switcher.prune();
            Path downloadDir = createDownloadDir();
            try {
                FetchedRelease fetched = fetcher.fetch(order, runningKind, downloadDir);
                unpacker.unpack(fetched.tarball(), version, switcher.releasesDir(),
                        release -> runningKind.requireStartsHere(release, version, ReleaseKind.hostPlatform()));
            } finally {
                removeQuietly(downloadDir);
            }
            String previous = HandshakeGuard.switchOnProbation(state, switcher, version, clock.instant());
            clearPendingQuietly();
            // Keep the new release and the one to roll back to; older ones only take disk space.
            switcher.prune();
            LOG.info("release {} installed and current (previous: {}); the agent stops and restarts into it, "
                    + "which must send its first Handshake within {} s", version, previous == null ? "none" : previous,
                    settings.handshakeDeadline().toSeconds());
            callback.finished();
        } catch (UpgradeException e) {
            clearPendingQuietly();
            callback.failed(reasonFor(version, e));
        } catch (RuntimeException e) {
            LOG.error("the upgrade to {} failed unexpectedly", version, e);
            clearPendingQuietly();
            callback.failed("the upgrade failed unexpectedly: " + e);
        }
    }

    private void refuseIfUnfit(AgentUpdate order) {
        String version = ReleaseVersion.requireValid(order.version());
        if (version.equals(runningVersion)) {
            throw refused("release " + version + " is already running");
        }
        if (ReleaseVersion.compare(version, runningVersion) < 0 && !order.downgrade()) {
            throw refused("release " + version + " is older than the running release " + runningVersion
                    + ", and the order does not say it is a downgrade (\"downgrade\": true)");
        }
        if (switcher.currentVersion().filter(version::equals).isPresent()) {
            throw refused("release " + version + " is already installed and current; the agent runs it at its next start");
        }
        if (state.isBad(version)) {
            String last = state.failureRecord(version).map(UpgradeState.VersionFailures::lastReason).orElse("unknown");
            throw refused("release " + version + " failed " + state.failures(version) + " times and is marked bad; "
                    + "it is not installed again automatically (last failure: " + last + ")");
        }
        Optional<InFlightSwitch> probation = state.inFlight().filter(c -> c.version().equals(runningVersion));
        if (probation.isPresent()) {
            throw refused("release " + runningVersion + " is still on probation (it has not sent its first Handshake)");
        }
        if (fetcher == null) {
            throw refused("no upgrade public key is configured ([upgrade] public_key), so no release can be verified");
        }
        fetcher.tarballUri(order, runningKind);
    }

    private String reasonFor(String version, UpgradeException e) {
        String reason = e.kind() == Kind.REFUSED && !e.getMessage().startsWith("refused: ")
                ? "refused: " + e.getMessage() : e.getMessage();
        if (!e.countsAgainstRelease()) {
            return reason;
        }
        try {
            int failures = state.recordFailure(version, e.getMessage(), clock.instant());
            return reason + " (failure " + failures + " of " + state.maxFailures()
                    + (state.isBad(version) ? "; release " + version + " is now marked bad)" : ")");
        } catch (UpgradeException stateFailure) {
            LOG.error("could not count the failure of release {}: {}", version, stateFailure.getMessage());
            return reason;
        }
    }

    private Path createDownloadDir() {
        try {
            Files.createDirectories(switcher.releasesDir());
            return Files.createTempDirectory(switcher.releasesDir(), SafeUnpacker.DOWNLOAD_PREFIX);
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot create a download directory in " + switcher.releasesDir()
                    + ": " + e, e);
        }
    }

    private void clearPendingQuietly() {
        try {
            state.clearPending();
        } catch (UpgradeException e) {
            LOG.warn("could not clear the pending upgrade: {}", e.getMessage());
        }
    }

    private static void removeQuietly(Path dir) {
        try {
            FileOps.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", dir, e.toString());
        }
    }

    private static UpgradeException refused(String message) {
        return new UpgradeException(Kind.REFUSED, "refused: " + message);
    }

    /** Passes on the first outcome only; a second one is a bug, logged and dropped. */
    private static final class OnceCallback implements UpgradeCallback {
        private final String version;
        private final UpgradeCallback delegate;
        private final AtomicBoolean reported = new AtomicBoolean();

        OnceCallback(String version, UpgradeCallback delegate) {
            this.version = version;
            this.delegate = delegate;
        }

        @Override
        public void finished() {
            if (reported.compareAndSet(false, true)) {
                delegate.finished();
            } else {
                LOG.error("upgrade to {}: a second outcome (finished) was dropped", version);
            }
        }

        @Override
        public void failed(String reason) {
            if (reported.compareAndSet(false, true)) {
                delegate.failed(reason);
            } else {
                LOG.error("upgrade to {}: a second outcome (failed: {}) was dropped", version, reason);
            }
        }
    }
}
