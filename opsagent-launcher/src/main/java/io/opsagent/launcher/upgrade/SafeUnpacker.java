package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Unpacks a verified release tarball into {@code releases/<version>} so that either the whole
 * release appears there at once or nothing does.
 *
 * <p>The archive is written into a hidden staging directory beside the target
 * ({@code releases/.unpack-<version>-*}), checked, and renamed into place. Rules, each a
 * rejection with its reason when broken:
 * <ul>
 *   <li>entry names are relative and never climb with {@code ..};</li>
 *   <li>only regular files, directories and symbolic links; no hard links, devices, FIFOs or
 *       sparse files;</li>
 *   <li>a symbolic link must be relative and resolve inside the release, also through other
 *       links, and point at something that exists; no entry may be written through a link
 *       (links are created after every file, and no entry's parent may be a link);</li>
 *   <li>an entry appears once;</li>
 *   <li>at most {@code maxEntries} entries and {@code maxBytes} of file content;</li>
 *   <li>the release holds {@code bin/opsagent} (executable) and {@code lib/opsagent.jar}, at its
 *       top or inside one top-level directory.</li>
 * </ul>
 * Permission bits ({@code 0777}) are kept; setuid, setgid and sticky bits, owners and groups
 * are not. On any failure the staging directory is removed and the target is untouched.
 */
public final class SafeUnpacker {

    private static final Logger LOG = LogManager.getLogger(SafeUnpacker.class);

    /** Default limit of the file content a release may unpack to. */
    public static final long DEFAULT_MAX_BYTES = 200L << 20;
    /** Default limit of the entries in a release archive. */
    public static final int DEFAULT_MAX_ENTRIES = 10_000;

    /** The launcher script a release must contain. */
    public static final String LAUNCHER = "bin/opsagent";
    /** The agent jar a release must contain. */
    public static final String JAR = "lib/opsagent.jar";

    /** Prefix of staging directories under {@code releases/}; leftovers of a crash are removed. */
    static final String STAGING_PREFIX = ".unpack-";
    /** Prefix of a replaced release directory waiting to be removed. */
    static final String REPLACED_PREFIX = ".old-";
    /** Prefix of the directory a tarball is downloaded into, beside the releases. */
    static final String DOWNLOAD_PREFIX = ".download-";

    private final long maxBytes;
    private final int maxEntries;

    /** An unpacker with the default limits (200 MiB, 10,000 entries). */
    public SafeUnpacker() {
        this(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES);
    }

    /**
     * @param maxBytes the most file content a release may unpack to
     * @param maxEntries the most entries (files, directories, links) a release archive may have
     */
    public SafeUnpacker(long maxBytes, int maxEntries) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, was " + maxBytes);
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be > 0, was " + maxEntries);
        }
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
    }

    /**
     * Unpacks {@code tarball} into {@code releasesDir/version}, replacing a directory of that name
     * left from before (never one in use: the caller checks that {@code version} is not current).
     *
     * @return the release directory
     * @throws UpgradeException with the reason, leaving nothing behind
     */
    public Path unpack(Path tarball, String version, Path releasesDir) {
        return unpack(tarball, version, releasesDir, root -> { });
    }

    /**
     * As {@link #unpack(Path, String, Path)}, with a further check of the unpacked release,
     * made in the staging directory before it is renamed into place.
     *
     * @param check given the unpacked release's directory; throws {@link UpgradeException} to reject it
     */
    public Path unpack(Path tarball, String version, Path releasesDir, Consumer<Path> check) {
        ReleaseVersion.requireValid(version);
        Path target = releasesDir.resolve(version);
        Path staging;
        try {
            Files.createDirectories(releasesDir);
            if (Files.isSymbolicLink(target)) {
                throw new UpgradeException(Kind.HOST, target + " is a symbolic link; refusing to replace it");
            }
            staging = Files.createTempDirectory(releasesDir, STAGING_PREFIX + version + "-");
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot create a staging directory in " + releasesDir + ": " + e, e);
        }
        try {
            Stats stats = new Extraction(staging, version).run(tarball);
            Path root = releaseRoot(staging);
            requireLayout(root, version);
            check.accept(root);
            install(root, target);
            LOG.info("unpacked release {}: {} files, {} directories, {} links, {} bytes, into {}", version,
                    stats.files, stats.directories, stats.links, stats.bytes, target);
            return target;
        } finally {
            try {
                FileOps.deleteTree(staging);
            } catch (IOException e) {
                LOG.warn("could not remove the staging directory {}: {}", staging, e.toString());
            }
        }
    }

    /** Removes staging and replaced directories that a crash left in {@code releasesDir}. */
    static void removeLeftovers(Path releasesDir) throws IOException {
        if (!Files.isDirectory(releasesDir)) {
            return;
        }
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(releasesDir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(STAGING_PREFIX) || name.startsWith(REPLACED_PREFIX) || name.startsWith(DOWNLOAD_PREFIX)) {
                    leftovers.add(p);
                }
            }
        }
        for (Path p : leftovers) {
            LOG.info("removing {}, left by an interrupted upgrade", p);
            FileOps.deleteTree(p);
        }
    }

    /** The release is the staging directory itself, or its only entry when that is a directory. */
    private static Path releaseRoot(Path staging) {
        if (Files.exists(staging.resolve("bin"), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(staging.resolve("lib"), LinkOption.NOFOLLOW_LINKS)) {
            return staging;
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(staging)) {
            for (Path p : stream) {
                entries.add(p);
            }
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot list " + staging + ": " + e, e);
        }
        if (entries.size() == 1 && Files.isDirectory(entries.get(0), LinkOption.NOFOLLOW_LINKS)) {
            return entries.get(0);
        }
        return staging;
    }

    private static void requireLayout(Path root, String version) {
        Path launcher = root.resolve(LAUNCHER);
        Path jar = root.resolve(JAR);
        if (!Files.isRegularFile(launcher, LinkOption.NOFOLLOW_LINKS)) {
            throw new UpgradeException(Kind.REJECTED, "release " + version + " has no " + LAUNCHER
                    + " (a regular file); it is not an opsagent release");
        }
        if (!Files.isRegularFile(jar, LinkOption.NOFOLLOW_LINKS)) {
            throw new UpgradeException(Kind.REJECTED, "release " + version + " has no " + JAR
                    + " (a regular file); it is not an opsagent release");
        }
        try {
            if (Files.size(jar) == 0) {
                throw new UpgradeException(Kind.REJECTED, JAR + " of release " + version + " is empty");
            }
            Set<PosixFilePermission> perms = posixPermissions(launcher);
            if (perms != null && !perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
                throw new UpgradeException(Kind.REJECTED, LAUNCHER + " of release " + version
                        + " is not executable (mode " + FileOps.octal(perms) + ")");
            }
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot inspect release " + version + ": " + e, e);
        }
    }

    private static Set<PosixFilePermission> posixPermissions(Path p) throws IOException {
        try {
            return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** Renames {@code root} to {@code target}; an existing target is moved aside first, then removed. */
    private static void install(Path root, Path target) {
        Path releasesDir = target.getParent();
        Path replaced = null;
        try {
            FileOps.setMode(root, rootMode(root));
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                replaced = releasesDir.resolve(REPLACED_PREFIX + target.getFileName() + "-" + FileOps.randomSuffix());
                Files.move(target, replaced, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("release directory {} exists from before; replacing it", target);
            }
            try {
                Files.move(root, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (replaced != null) {
                    Files.move(replaced, target, StandardCopyOption.ATOMIC_MOVE);
                    replaced = null;
                }
                throw e;
            }
            FileOps.syncDirectory(releasesDir);
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot move the unpacked release into " + target + ": " + e, e);
        } finally {
            if (replaced != null) {
                try {
                    FileOps.deleteTree(replaced);
                } catch (IOException e) {
                    LOG.warn("could not remove the replaced release {}: {}", replaced, e.toString());
                }
            }
        }
    }

    private static Set<PosixFilePermission> rootMode(Path root) throws IOException {
        Set<PosixFilePermission> current = posixPermissions(root);
        // A staging directory is created 0700; a release directory is readable like /opt.
        if (current != null && current.equals(FileOps.permissions(0700))) {
            return FileOps.permissions(0755);
        }
        return current == null ? FileOps.permissions(0755) : current;
    }

    private static final class Stats {
        int files;
        int directories;
        int links;
        long bytes;
    }

    /** One pass over one archive into one staging directory. */
    private final class Extraction {
        private final Path staging;
        private final Path stagingReal;
        private final String version;
        private final Set<String> seen = new HashSet<>();
        private final Map<Path, Integer> directoryModes = new HashMap<>();
        private final List<String[]> links = new ArrayList<>();
        private final Stats stats = new Stats();
        private int entries;

        Extraction(Path staging, String version) {
            this.staging = staging;
            this.version = version;
            try {
                this.stagingReal = staging.toRealPath();
            } catch (IOException e) {
                throw new UpgradeException(Kind.HOST, "cannot resolve " + staging + ": " + e, e);
            }
        }

        Stats run(Path tarball) {
            String what = "release archive of " + version;
            // Headers and padding take at most 1 KiB per entry beyond the file content.
            long streamLimit = maxBytes + (maxEntries + 16L) * 1024L;
            try (InputStream file = Files.newInputStream(tarball);
                    InputStream gzip = openGzip(new BufferedInputStream(file, 64 * 1024), what);
                    InputStream limited = new LimitedInputStream(gzip, streamLimit);
                    TarArchiveInputStream tar = new TarArchiveInputStream(limited)) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    if (++entries > maxEntries) {
                        throw rejected(what + " has more than " + maxEntries + " entries");
                    }
                    take(entry, tar);
                }
            } catch (UpgradeException e) {
                throw e;
            } catch (StreamLimitExceeded e) {
                throw rejected(what + " expands beyond the limit of " + FileOps.size(maxBytes));
            } catch (EOFException e) {
                throw rejected(what + " is truncated: " + e.getMessage());
            } catch (FileAlreadyExistsException | NotDirectoryException e) {
                throw rejected(what + " has an entry that collides with another: " + e.getMessage());
            } catch (FileSystemException e) {
                throw new UpgradeException(Kind.HOST, "cannot unpack " + what + ": " + e.getMessage(), e);
            } catch (IOException | IllegalArgumentException e) {
                // Commons Compress reports a damaged header or stream as IOException or IllegalArgumentException.
                throw rejected(what + " is truncated or corrupt: " + e.getMessage());
            }
            createLinks();
            applyDirectoryModes();
            return stats;
        }

        private InputStream openGzip(InputStream in, String what) throws IOException {
            try {
                return new GZIPInputStream(in, 64 * 1024);
            } catch (ZipException | EOFException e) {
                throw rejected(what + " is not gzip-compressed: " + e.getMessage());
            }
        }

        private void take(TarArchiveEntry entry, InputStream data) throws IOException {
            String raw = entry.getName();
            String name = checkName(raw);
            if (entry.isSymbolicLink()) {
                if (name.isEmpty()) {
                    throw rejected("symbolic link " + q(raw) + " has no name");
                }
                requireFirst(name, raw);
                checkLinkTarget(name, entry.getLinkName());
                links.add(new String[] {name, entry.getLinkName()});
                return;
            }
            if (entry.isLink()) {
                throw rejected("entry " + q(raw) + " is a hard link to " + q(entry.getLinkName())
                        + "; releases may not contain hard links");
            }
            if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                String type = entry.isFIFO() ? "a FIFO" : entry.isBlockDevice() ? "a block device" : "a character device";
                throw rejected("entry " + q(raw) + " is " + type
                        + "; releases may contain only files, directories and symbolic links");
            }
            if (entry.isSparse() || entry.isGNUSparse() || entry.isPaxGNUSparse() || entry.isStarSparse()) {
                throw rejected("entry " + q(raw) + " is a sparse file; releases may not contain sparse files");
            }
            if (entry.isDirectory()) {
                if (name.isEmpty()) {
                    directoryModes.put(staging, entry.getMode());
                    return;
                }
                Path dir = staging.resolve(name);
                requireNoLinkOnTheWay(name, raw);
                if (!seen.add(name) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw rejected("entry " + q(raw) + " appears twice");
                }
                Files.createDirectories(dir);
                directoryModes.put(dir, entry.getMode());
                stats.directories++;
                return;
            }
            byte flag = entry.getLinkFlag();
            if (flag != TarConstants.LF_NORMAL && flag != TarConstants.LF_OLDNORM && flag != TarConstants.LF_CONTIG) {
                throw rejected("entry " + q(raw) + " has the unsupported type '" + (char) flag
                        + "'; releases may contain only files, directories and symbolic links");
            }
            if (name.isEmpty()) {
                throw rejected("entry " + q(raw) + " is a file without a name");
            }
            requireFirst(name, raw);
            requireNoLinkOnTheWay(name, raw);
            long declared = entry.getSize();
            if (declared < 0 || stats.bytes + declared > maxBytes) {
                throw rejected("release archive of " + version + " expands beyond the limit of "
                        + FileOps.size(maxBytes) + " (at entry " + q(raw) + ", " + declared + " bytes)");
            }
            writeFile(staging.resolve(name), data, raw);
            int mode = entry.getMode();
            if ((mode & 07000) != 0) {
                LOG.warn("release {}: entry {} asks for mode {}; setuid, setgid and sticky bits are dropped",
                        version, q(raw), String.format("%04o", mode & 07777));
            }
            FileOps.setMode(staging.resolve(name), FileOps.permissions(mode));
            stats.files++;
        }

        /**
         * Copies one entry's data. Errors reading the archive propagate as {@link IOException}
         * (a damaged archive); errors writing the disk are this host's problem.
         */
        private void writeFile(Path path, InputStream data, String raw) throws IOException {
            Files.createDirectories(path.getParent());
            FileChannel out;
            try {
                out = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                throw rejected("entry " + q(raw) + " appears twice");
            } catch (IOException e) {
                throw hostProblem("cannot create " + path, e);
            }
            byte[] buf = new byte[64 * 1024];
            try {
                int n;
                while ((n = data.read(buf)) > 0) {
                    stats.bytes += n;
                    if (stats.bytes > maxBytes) {
                        throw rejected("release archive of " + version + " expands beyond the limit of "
                                + FileOps.size(maxBytes) + " (at entry " + q(raw) + ")");
                    }
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    try {
                        while (bb.hasRemaining()) {
                            out.write(bb);
                        }
                    } catch (IOException e) {
                        throw hostProblem("cannot write " + path, e);
                    }
                }
                try {
                    out.force(true);
                } catch (IOException e) {
                    throw hostProblem("cannot write " + path, e);
                }
            } finally {
                try {
                    out.close();
                } catch (IOException e) {
                    LOG.warn("closing {} failed: {}", path, e.toString());
                }
            }
        }

        private UpgradeException hostProblem(String what, IOException e) {
            return new UpgradeException(Kind.HOST, what + ": " + e, e);
        }

        /** Links are made after all files, so no file can be written through one. */
        private void createLinks() {
            List<Path> made = new ArrayList<>();
            try {
                for (String[] link : links) {
                    String name = link[0];
                    requireNoLinkOnTheWay(name, name);
                    Path path = staging.resolve(name);
                    Files.createDirectories(path.getParent());
                    Files.createSymbolicLink(path, Paths.get(link[1]));
                    made.add(path);
                    stats.links++;
                }
            } catch (FileAlreadyExistsException e) {
                throw rejected("release archive of " + version + " has a symbolic link that collides with another entry: "
                        + e.getMessage());
            } catch (IOException e) {
                throw new UpgradeException(Kind.HOST, "cannot create symbolic links of release " + version + ": " + e, e);
            }
            // Each link was checked on its own; now check where each really leads, through the others.
            for (int i = 0; i < made.size(); i++) {
                String name = links.get(i)[0];
                String target = links.get(i)[1];
                Path real;
                try {
                    real = made.get(i).toRealPath();
                } catch (NoSuchFileException e) {
                    throw rejected("symbolic link " + q(name) + " -> " + q(target) + " points to nothing in the release");
                } catch (IOException e) {
                    throw rejected("symbolic link " + q(name) + " -> " + q(target) + " cannot be resolved: " + e.getMessage());
                }
                if (!real.startsWith(stagingReal)) {
                    throw rejected("symbolic link " + q(name) + " -> " + q(target)
                            + " resolves outside the release directory (through other links)");
                }
            }
        }

        /** Directory modes last, deepest first, so a read-only directory is filled before it is closed. */
        private void applyDirectoryModes() {
            List<Path> dirs = new ArrayList<>(directoryModes.keySet());
            dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
            try {
                for (Path dir : dirs) {
                    FileOps.setMode(dir, FileOps.permissions(directoryModes.get(dir)));
                }
            } catch (IOException e) {
                throw new UpgradeException(Kind.HOST, "cannot set directory modes of release " + version + ": " + e, e);
            }
        }

        /** The entry's name as a clean relative path ("" for the archive's own root), or a rejection. */
        private String checkName(String raw) {
            if (raw == null || raw.isEmpty()) {
                throw rejected("release archive of " + version + " has an entry without a name");
            }
            if (raw.indexOf('\0') >= 0) {
                throw rejected("entry " + q(raw) + " has a NUL character in its name");
            }
            if (raw.startsWith("/")) {
                throw rejected("entry " + q(raw) + " has an absolute path; release entries must be relative");
            }
            StringBuilder clean = new StringBuilder();
            for (String part : raw.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    throw rejected("entry " + q(raw) + " climbs out of the release directory with '..'");
                }
                if (clean.length() > 0) {
                    clean.append('/');
                }
                clean.append(part);
            }
            String name = clean.toString();
            if (!name.isEmpty() && !staging.resolve(name).normalize().startsWith(staging)) {
                throw rejected("entry " + q(raw) + " leaves the release directory");
            }
            return name;
        }

        private void checkLinkTarget(String name, String target) {
            if (target == null || target.isEmpty()) {
                throw rejected("symbolic link " + q(name) + " has no target");
            }
            if (target.indexOf('\0') >= 0) {
                throw rejected("symbolic link " + q(name) + " has a NUL character in its target");
            }
            if (target.startsWith("/")) {
                throw rejected("symbolic link " + q(name) + " -> " + q(target)
                        + " points outside the release directory (absolute target)");
            }
            Path parent = staging.resolve(name).getParent();
            if (!parent.resolve(target).normalize().startsWith(staging)) {
                throw rejected("symbolic link " + q(name) + " -> " + q(target) + " points outside the release directory");
            }
        }

        private void requireFirst(String name, String raw) {
            if (!seen.add(name)) {
                throw rejected("entry " + q(raw) + " appears twice");
            }
        }

        /** No directory on the way to {@code name} may be a symbolic link. */
        private void requireNoLinkOnTheWay(String name, String raw) {
            Path p = staging;
            String[] parts = name.split("/");
            for (int i = 0; i < parts.length - 1; i++) {
                p = p.resolve(parts[i]);
                if (Files.isSymbolicLink(p)) {
                    throw rejected("entry " + q(raw) + " would be written through the symbolic link "
                            + q(staging.relativize(p).toString()));
                }
            }
        }

        private UpgradeException rejected(String message) {
            return new UpgradeException(Kind.REJECTED, message);
        }

        private String q(String s) {
            return ReleaseVersion.quote(s);
        }
    }

    /** The decompressed stream grew past the bound a legitimate archive of the allowed size stays within. */
    private static final class StreamLimitExceeded extends IOException {
        private static final long serialVersionUID = 1L;

        StreamLimitExceeded() {
            super("decompressed archive larger than the limit");
        }
    }

    private static final class LimitedInputStream extends FilterInputStream {
        private final long limit;
        private long count;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            if (skipped > 0) {
                count(skipped);
            }
            return skipped;
        }

        private void count(long n) throws StreamLimitExceeded {
            count += n;
            if (count > limit) {
                throw new StreamLimitExceeded();
            }
        }
    }
}
