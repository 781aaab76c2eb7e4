package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeState.InFlightSwitch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Puts a freshly switched-to release on probation: it must send its first Handshake within the
 * deadline (120 s by default) from its first start, or {@code current} is switched back to the
 * release it replaced, a failure is counted against it, and the agent restarts into the
 * previous release. A version that fails {@code max_failures} times is bad and not installed
 * again automatically.
 *
 * <p>The launcher calls {@link #started()} at start-up, before connecting; {@link #confirmed()}
 * when the first Handshake has been written; and {@link #checkDeadline(Instant)} at
 * {@link #deadline()} (or periodically). The deadline is kept in the upgrade state, so a release
 * that crashes and is restarted by its supervisor does not get a fresh one: the first start
 * after the deadline rolls back.
 *
 * <p>If a release other than the one on probation starts while {@code current} points to the
 * one on probation (the supervisor fell back to {@code previous/bin/opsagent} because the new
 * release would not start at all), that start counts the failure, points {@code current} back to
 * itself and carries on.
 *
 * <p>Thread-safe.
 */
public final class HandshakeGuard {

    private static final Logger LOG = LogManager.getLogger(HandshakeGuard.class);

    /** What the launcher does next. */
    public enum Verdict {
        /** Nothing to verify, or a failed release was already left behind: run as usual. */
        CARRY_ON,
        /** This release is on probation: it must send its first Handshake before {@link #deadline()}. */
        AWAIT_HANDSHAKE,
        /**
         * This release missed its deadline and {@code current} points to an earlier release
         * again: stop and exit with {@link LauncherUpgrader#RESTART_EXIT_CODE}.
         */
        RESTART
    }

    private final UpgradeState state;
    private final ReleaseSwitcher switcher;
    private final String runningVersion;
    private final Duration handshakeDeadline;
    private final Clock clock;
    private boolean confirmed;

    /**
     * @param runningVersion the release this process runs: the name of its directory under
     *     {@code releases/} (see {@link ReleaseSwitcher#releaseOf})
     */
    public HandshakeGuard(UpgradeState state, ReleaseSwitcher switcher, String runningVersion,
            Duration handshakeDeadline, Clock clock) {
        this.state = Objects.requireNonNull(state, "state");
        this.switcher = Objects.requireNonNull(switcher, "switcher");
        this.runningVersion = Objects.requireNonNull(runningVersion, "runningVersion");
        this.handshakeDeadline = Objects.requireNonNull(handshakeDeadline, "handshakeDeadline");
        if (handshakeDeadline.isNegative() || handshakeDeadline.isZero()) {
            throw new IllegalArgumentException("handshakeDeadline must be > 0, was " + handshakeDeadline);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Makes the unpacked release {@code version} current on probation: records the switch in
     * flight in {@code state} (with the release it replaces), then switches {@code current}. If
     * the switch fails, the record is removed again.
     *
     * @return the version that was current before, or null when there was none
     * @throws UpgradeException if the link cannot be switched
     */
    public static String switchOnProbation(UpgradeState state, ReleaseSwitcher switcher, String version,
            Instant now) {
        String previous = switcher.currentVersion().orElse(null);
        state.setInFlight(new InFlightSwitch(version, previous, now, null, 0, null));
        try {
            switcher.switchTo(version);
        } catch (UpgradeException e) {
            state.clearInFlight();
            throw e;
        }
        return previous;
    }

    /** At start-up, before connecting: starts (or goes on with) this release's probation, or rolls back. */
    public synchronized Verdict started() {
        Instant now = clock.instant();
        InFlightSwitch change = state.inFlight().orElse(null);
        if (change == null || confirmed) {
            return Verdict.CARRY_ON;
        }
        if (change.version().equals(runningVersion)) {
            if (change.deadline() != null && !now.isBefore(change.deadline())) {
                return rollBack(change, now, "release " + change.version() + " did not send its first Handshake within "
                        + seconds(handshakeDeadline) + " of its first start (" + (change.starts() + 1) + " starts)");
            }
            InFlightSwitch started = change.started(now, handshakeDeadline);
            state.setInFlight(started);
            LOG.info("release {} is on probation: it must send its first Handshake by {} (start {})",
                    runningVersion, started.deadline(), started.starts());
            return Verdict.AWAIT_HANDSHAKE;
        }
        if (!switcher.isInstalled(runningVersion)) {
            LOG.warn("release {} is on probation but this agent runs {}, which is not an installed release; "
                    + "leaving the upgrade state alone", change.version(), runningVersion);
            return Verdict.CARRY_ON;
        }
        Optional<String> current = currentQuietly();
        if (current.isPresent() && current.get().equals(change.version())) {
            String reason = "release " + change.version() + " did not come up; release " + runningVersion
                    + " was started instead";
            return rollBack(change, now, reason);
        }
        LOG.warn("the switch to release {} recorded in {} did not happen ({} is current); forgetting it",
                change.version(), state.file(), current.orElse("nothing"));
        state.clearInFlight();
        return Verdict.CARRY_ON;
    }

    /** The first Handshake of this process was written: the release on probation has proved itself. */
    public synchronized void confirmed() {
        if (confirmed) {
            return;
        }
        confirmed = true;
        InFlightSwitch change = state.inFlight().orElse(null);
        if (change != null && change.version().equals(runningVersion)) {
            Instant now = clock.instant();
            Duration took = change.firstStartAt() == null ? Duration.ZERO : Duration.between(change.firstStartAt(), now);
            state.recordGood(runningVersion);
            state.clearInFlight();
            LOG.info("release {} confirmed: first Handshake sent {} after its first start; upgrade from {} complete",
                    runningVersion, seconds(took), change.previousVersion() == null ? "(none)" : change.previousVersion());
            return;
        }
        if (switcher.isInstalled(runningVersion)) {
            state.recordGood(runningVersion);
        }
    }

    /**
     * Rolls back if this release is on probation and {@code now} is past its deadline.
     *
     * @return {@link Verdict#RESTART} when it rolled back, {@link Verdict#AWAIT_HANDSHAKE} while
     *     the probation goes on, {@link Verdict#CARRY_ON} otherwise
     */
    public synchronized Verdict checkDeadline(Instant now) {
        InFlightSwitch change = state.inFlight().orElse(null);
        if (confirmed || change == null || !change.version().equals(runningVersion)) {
            return Verdict.CARRY_ON;
        }
        if (change.deadline() == null) {
            InFlightSwitch started = change.started(now, handshakeDeadline);
            state.setInFlight(started);
            return Verdict.AWAIT_HANDSHAKE;
        }
        if (now.isBefore(change.deadline())) {
            return Verdict.AWAIT_HANDSHAKE;
        }
        return rollBack(change, now, "release " + change.version() + " did not send its first Handshake within "
                + seconds(handshakeDeadline) + " of its first start");
    }

    /** When this release must have sent its first Handshake; empty when it is not on probation. */
    public synchronized Optional<Instant> deadline() {
        if (confirmed) {
            return Optional.empty();
        }
        return state.inFlight().filter(c -> c.version().equals(runningVersion)).map(InFlightSwitch::deadline);
    }

    private Verdict rollBack(InFlightSwitch change, Instant now, String reason) {
        int failures = state.recordFailure(change.version(), reason, now);
        String count = state.isBad(change.version())
                ? "failure " + failures + " of " + state.maxFailures() + ": version " + change.version()
                        + " is now bad and will not be installed again automatically"
                : "failure " + failures + " of " + state.maxFailures();
        Optional<String> target = rollbackTarget(change);
        if (target.isEmpty()) {
            LOG.error("{}; there is no earlier release on disk to go back to, so it stays current ({})", reason, count);
            state.clearInFlight();
            return Verdict.CARRY_ON;
        }
        try {
            switcher.rollBackTo(target.get());
        } catch (UpgradeException e) {
            LOG.error("{}; rolling back to release {} failed: {} ({}); trying again at the next check", reason,
                    target.get(), e.getMessage(), count);
            return Verdict.CARRY_ON;
        }
        state.clearInFlight();
        new RollbackReport(change.version(), reason + "; rolled back to release " + target.get() + " (" + count + ")")
                .write(state.file());
        boolean restart = !target.get().equals(runningVersion);
        LOG.error("{}; rolled back to release {} ({}){}", reason, target.get(), count,
                restart ? "; restarting into it" : "");
        return restart ? Verdict.RESTART : Verdict.CARRY_ON;
    }

    /** The release to go back to: the one switched from, else the previous link, else the last good. */
    private Optional<String> rollbackTarget(InFlightSwitch change) {
        List<String> candidates = new ArrayList<>();
        if (change.previousVersion() != null) {
            candidates.add(change.previousVersion());
        }
        try {
            switcher.previousVersion().ifPresent(candidates::add);
        } catch (UpgradeException e) {
            LOG.warn("ignoring the previous link: {}", e.getMessage());
        }
        state.lastGood().ifPresent(candidates::add);
        if (!change.version().equals(runningVersion)) {
            candidates.add(0, runningVersion);
        }
        for (String candidate : candidates) {
            if (!candidate.equals(change.version()) && switcher.isInstalled(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private Optional<String> currentQuietly() {
        try {
            return switcher.currentVersion();
        } catch (UpgradeException e) {
            LOG.warn("cannot read the current release: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
