package io.opsagent.launcher.runtime;

import io.opsagent.fsm.OpsAgentException;
import io.opsagent.launcher.AgentContext;
import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.upgrade.HandshakeGuard;
import io.opsagent.launcher.upgrade.LauncherUpgrader;
import io.opsagent.launcher.upgrade.ReleaseKeys;
import io.opsagent.launcher.upgrade.ReleaseKind;
import io.opsagent.launcher.upgrade.ReleaseSwitcher;
import io.opsagent.launcher.upgrade.UpgradeSettings;
import io.opsagent.launcher.upgrade.UpgradeState;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The self-upgrade pieces {@code opsagent run} needs, built from {@code [upgrade]} and
 * {@code [userdata] base_remote}: the upgrader handed to the agent, and the guard that gives a
 * freshly switched release its deadline for the first Handshake.
 */
final class UpgradeWiring implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(UpgradeWiring.class);

    final LauncherUpgrader upgrader;
    final HandshakeGuard guard;
    final String runningVersion;
    /** {@code upgrade.json}, beside which a rollback not yet reported is kept. */
    final Path stateFile;

    private UpgradeWiring(LauncherUpgrader upgrader, HandshakeGuard guard, String runningVersion, Path stateFile) {
        this.upgrader = upgrader;
        this.guard = guard;
        this.runningVersion = runningVersion;
        this.stateFile = stateFile;
    }

    /**
     * The wiring. Without a public key, or without {@code base_remote}, it is built all the same
     * (with a log line saying what is missing): the upgrader then refuses orders with a reason
     * that reaches the backend as a failed StateLog, and a release on probation still gets
     * its deadline.
     */
    static UpgradeWiring create(AgentContext context, String runningVersion, ReleaseKind runningKind, Clock clock) {
        LauncherConfig config = context.config();
        LauncherConfig.UpgradeSettings upgrade = config.upgrade();
        PublicKey key = null;
        if (upgrade.enabled()) {
            key = upgrade.publicKey().map(ReleaseKeys::parsePublicKey)
                    .orElseGet(() -> ReleaseKeys.readPublicKey(upgrade.publicKeyFile().orElseThrow()));
        }
        UpgradeSettings settings = UpgradeSettings.builder(context.host().installDir(), context.host().stateDir())
                .baseRemote(config.userdata().baseRemote().orElse(null))
                .publicKey(key)
                .handshakeDeadline(upgrade.handshakeDeadline())
                .maxFailures(upgrade.maxFailures())
                .build();
        UpgradeState state = UpgradeState.load(settings.stateFile(), settings.maxFailures(), clock);
        ReleaseSwitcher switcher = new ReleaseSwitcher(context.host().installDir());
        HandshakeGuard guard = new HandshakeGuard(state, switcher, runningVersion, settings.handshakeDeadline(), clock);
        LauncherUpgrader upgrader = new LauncherUpgrader(settings, state, runningVersion, runningKind);
        if (key == null) {
            LOG.info("self-upgrade is off: no [upgrade] public_key or public_key_file; every AgentUpdate is refused");
        } else if (settings.baseRemote() == null) {
            LOG.info("self-upgrade is on for orders whose url names a release tarball, signed by key {}; "
                    + "there is no [userdata] base_remote for the others", ReleaseKeys.fingerprint(key));
        } else {
            LOG.info("self-upgrade is on: releases from {}, signed by key {}; this host takes {}", settings.baseRemote(),
                    ReleaseKeys.fingerprint(key), runningKind);
        }
        return new UpgradeWiring(upgrader, guard, runningVersion, settings.stateFile());
    }

    /**
     * The running release's name: the folder under {@code <install>/releases/} that holds the
     * running jar, which the upgrade machinery knows it by; the build's version otherwise.
     */
    static String runningVersion(AgentContext context) {
        try {
            return new ReleaseSwitcher(context.host().installDir()).releaseOf(runningJar())
                    .orElse(context.agentVersion());
        } catch (URISyntaxException | RuntimeException e) {
            return context.agentVersion();
        }
    }

    /**
     * The kind of the running release, {@code <release>/lib/opsagent.jar}: a platform release
     * when it carries its own Java runtime; the plain release when the agent does not run from a
     * release (from a build, say).
     */
    static ReleaseKind runningKind() {
        try {
            return ReleaseKind.ofJar(runningJar());
        } catch (URISyntaxException | RuntimeException e) {
            LOG.warn("cannot tell whether the running release carries its own Java runtime ({}); upgrades fetch the"
                    + " plain release", e.toString());
            return ReleaseKind.PLAIN;
        }
    }

    private static Path runningJar() throws URISyntaxException {
        return Path.of(UpgradeWiring.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Override
    public void close() {
        try {
            upgrader.close();
        } catch (RuntimeException e) {
            throw new OpsAgentException("closing the upgrader failed: " + e.getMessage(), e);
        }
    }
}
