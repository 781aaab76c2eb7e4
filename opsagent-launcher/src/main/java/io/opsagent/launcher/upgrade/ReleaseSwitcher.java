package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Chooses which unpacked release runs, through two symbolic links in the install directory
 * ({@code /opt/visualops}):
 * <pre>
 * current  -&gt; releases/1.3     what the supervisor starts
 * previous -&gt; releases/1.2     what a rollback goes back to
 * </pre>
 * A link is never changed in place: a new link is made under a temporary name and renamed over
 * the old one, which the kernel does atomically, so a crash leaves either the old or the new
 * link, never none. Links are relative, so a release tree can be moved or inspected under a root
 * prefix.
 */
public final class ReleaseSwitcher {

    private static final Logger LOG = LogManager.getLogger(ReleaseSwitcher.class);

    /** The directory of unpacked releases, inside the install directory. */
    public static final String RELEASES = "releases";
    /** The link to the release in use. */
    public static final String CURRENT = "current";
    /** The link to the release in use before the last switch. */
    public static final String PREVIOUS = "previous";

    private final Path installDir;
    private final Path releasesDir;

    /** @param installDir the agent's install directory, {@code /opt/visualops} under the root prefix */
    public ReleaseSwitcher(Path installDir) {
        this.installDir = Objects.requireNonNull(installDir, "installDir").toAbsolutePath().normalize();
        this.releasesDir = this.installDir.resolve(RELEASES);
    }

    public Path installDir() {
        return installDir;
    }

    public Path releasesDir() {
        return releasesDir;
    }

    public Path currentLink() {
        return installDir.resolve(CURRENT);
    }

    public Path previousLink() {
        return installDir.resolve(PREVIOUS);
    }

    /** The directory of {@code version}, whether it exists or not. */
    public Path releaseDir(String version) {
        return releasesDir.resolve(ReleaseVersion.requireValid(version));
    }

    /** Whether {@code version} is unpacked. */
    public boolean isInstalled(String version) {
        return ReleaseVersion.isValid(version) && Files.isDirectory(releaseDir(version), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The version {@code current} points to; empty when there is no such link (an agent run
     * from a build directory).
     *
     * @throws UpgradeException ({@link Kind#HOST}) if {@code current} exists but is not a link
     *     into {@code releases/}: the switcher then refuses to touch it
     */
    public Optional<String> currentVersion() {
        return versionOf(currentLink());
    }

    /** The version {@code previous} points to; empty when there is none. */
    public Optional<String> previousVersion() {
        return versionOf(previousLink());
    }

    /**
     * Makes {@code version} current; the release that was current becomes {@code previous}.
     * Switching to the current version changes nothing.
     *
     * @throws UpgradeException if the release is not unpacked or a link cannot be replaced
     */
    public void switchTo(String version) {
        requireInstalled(version);
        Optional<String> old = currentVersion();
        if (old.isPresent() && old.get().equals(version)) {
            LOG.info("release {} is already current", version);
            return;
        }
        if (old.isPresent()) {
            replaceLink(previousLink(), old.get());
        }
        replaceLink(currentLink(), version);
        FileOps.syncDirectory(installDir);
        LOG.info("switched {} from {} to {}", currentLink(), old.map(v -> RELEASES + "/" + v).orElse("(none)"),
                RELEASES + "/" + version);
    }

    /**
     * Makes the {@code previous} release current again and removes the {@code previous} link,
     * so a second rollback cannot bounce back to the release just left.
     *
     * @return the version now current
     * @throws UpgradeException if there is no previous release to go back to
     */
    public String rollBack() {
        String target = previousVersion().orElseThrow(() -> new UpgradeException(Kind.HOST,
                "there is no previous release to roll back to (" + previousLink() + " does not exist)"));
        rollBackTo(target);
        return target;
    }

    /**
     * Makes {@code version} current and removes the {@code previous} link.
     *
     * @throws UpgradeException if the release is not unpacked or a link cannot be replaced
     */
    public void rollBackTo(String version) {
        requireInstalled(version);
        Optional<String> left = currentVersion();
        replaceLink(currentLink(), version);
        try {
            Files.deleteIfExists(previousLink());
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot remove " + previousLink() + ": " + e, e);
        }
        FileOps.syncDirectory(installDir);
        LOG.warn("rolled back {} from {} to {}", currentLink(), left.map(v -> RELEASES + "/" + v).orElse("(none)"),
                RELEASES + "/" + version);
    }

    /** The unpacked versions, in no particular order; hidden work directories are not listed. */
    public List<String> installedVersions() {
        List<String> versions = new ArrayList<>();
        if (!Files.isDirectory(releasesDir)) {
            return versions;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(releasesDir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (ReleaseVersion.isValid(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    versions.add(name);
                }
            }
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot list " + releasesDir + ": " + e, e);
        }
        return versions;
    }

    /**
     * Removes every unpacked release except the current and previous ones, and work directories
     * an interrupted upgrade left behind. A release that cannot be removed is logged and kept.
     *
     * @return the versions removed
     */
    public List<String> prune() {
        Optional<String> current = currentVersion();
        Optional<String> previous = previousVersion();
        List<String> removed = new ArrayList<>();
        try {
            SafeUnpacker.removeLeftovers(releasesDir);
        } catch (IOException e) {
            LOG.warn("could not remove work directories in {}: {}", releasesDir, e.toString());
        }
        for (String version : installedVersions()) {
            if (current.filter(version::equals).isPresent() || previous.filter(version::equals).isPresent()) {
                continue;
            }
            try {
                FileOps.deleteTree(releasesDir.resolve(version));
                removed.add(version);
                LOG.info("removed release {}: neither current nor previous", version);
            } catch (IOException e) {
                LOG.warn("could not remove release {}: {}", version, e.toString());
            }
        }
        return removed;
    }

    /**
     * The release a file belongs to, e.g. the running jar {@code .../releases/1.3/lib/opsagent.jar}
     * gives {@code 1.3}; empty when the file is not inside a release of this install directory.
     */
    public Optional<String> releaseOf(Path file) {
        Path p = file.toAbsolutePath().normalize();
        Path releases = releasesDir;
        try {
            // Resolve links such as current/ so the jar's path is compared with the real releases/.
            p = p.toRealPath();
            releases = releasesDir.toRealPath();
        } catch (IOException e) {
            // Compare the paths as given.
        }
        if (!p.startsWith(releases) || p.getNameCount() <= releases.getNameCount()) {
            return Optional.empty();
        }
        String version = p.getName(releases.getNameCount()).toString();
        return ReleaseVersion.isValid(version) ? Optional.of(version) : Optional.empty();
    }

    private Optional<String> versionOf(Path link) {
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Files.isSymbolicLink(link)) {
            throw new UpgradeException(Kind.HOST, link + " is not a symbolic link; refusing to switch releases");
        }
        Path target;
        try {
            target = Files.readSymbolicLink(link);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot read the link " + link + ": " + e, e);
        }
        Path resolved = installDir.resolve(target).normalize();
        if (!releasesDir.equals(resolved.getParent()) || !ReleaseVersion.isValid(resolved.getFileName().toString())) {
            throw new UpgradeException(Kind.HOST, link + " points to " + target + ", not to a release in "
                    + releasesDir + "; refusing to switch releases");
        }
        return Optional.of(resolved.getFileName().toString());
    }

    private void requireInstalled(String version) {
        if (!isInstalled(version)) {
            throw new UpgradeException(Kind.HOST, "release " + version + " is not unpacked in " + releasesDir);
        }
    }

    /** Points {@code link} at {@code releases/<version>}: a new link under a temporary name, renamed over. */
    private void replaceLink(Path link, String version) {
        Path tmp = installDir.resolve("." + link.getFileName() + ".tmp-" + FileOps.randomSuffix());
        try {
            Files.createSymbolicLink(tmp, Paths.get(RELEASES, version));
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot point " + link + " at " + RELEASES + "/" + version + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                LOG.warn("could not remove {}: {}", tmp, e.toString());
            }
        }
    }
}
