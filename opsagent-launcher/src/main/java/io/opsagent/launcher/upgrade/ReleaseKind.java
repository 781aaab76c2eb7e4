package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which tarball of a release a host takes: the plain release ({@code opsagent.tgz}), which runs
 * on the host's Java, or a platform release ({@code opsagent-linux-x64.tgz}), which carries its
 * own Java runtime in {@code runtime/}. A host keeps the kind it was installed with: the bootstrap
 * chose it, and a host installed from a platform release may have no other Java, so an upgrade to
 * the plain release could not start there.
 *
 * <p>A release is a platform release when {@code runtime/bin/java} is executable, which is the
 * test {@code bin/opsagent} makes to pick its Java. Its platform comes from the runtime's
 * {@code release} file ({@code OS_NAME}, {@code OS_ARCH}; a JDK writes them, {@code jlink} does
 * not), else from the ELF header of {@code runtime/bin/java} (its machine), and is named as the
 * bootstrap names it ({@code x86_64} or {@code amd64} on Linux is {@code linux-x64}).
 */
public final class ReleaseKind {

    /** The plain release, which runs on the host's Java. */
    public static final ReleaseKind PLAIN = new ReleaseKind(null, null);

    /** The Java of a platform release, relative to the release directory. */
    public static final String RUNTIME_JAVA = "runtime/bin/java";
    /** The runtime's description of itself, relative to the release directory. */
    static final String RUNTIME_RELEASE_FILE = "runtime/release";

    private static final Pattern PLATFORM_NAME = Pattern.compile("[a-z0-9]+-[a-z0-9]+");
    private static final Pattern RELEASE_LINE = Pattern.compile("(?m)^(OS_NAME|OS_ARCH)=\"?([^\"\\r\\n]*)\"?\\s*$");

    /** The platform's name, {@code linux-x64}; null for the plain release or a runtime of an unknown platform. */
    private final String platform;
    /** For a runtime of a platform with no name here, its OS and architecture, e.g. {@code Linux ppc64le}. */
    private final String unnamedRuntime;

    private ReleaseKind(String platform, String unnamedRuntime) {
        this.platform = platform;
        this.unnamedRuntime = unnamedRuntime;
    }

    /** The platform release of {@code platform}, such as {@code linux-x64}. */
    public static ReleaseKind platform(String platform) {
        Objects.requireNonNull(platform, "platform");
        if (!PLATFORM_NAME.matcher(platform).matches()) {
            throw new IllegalArgumentException("a platform name is <os>-<arch> in lower case, such as linux-x64, not "
                    + ReleaseVersion.quote(platform));
        }
        return new ReleaseKind(platform, null);
    }

    /**
     * The platform name the bootstrap ({@code scripts/userdata.sh}) gives an OS and architecture,
     * as {@code uname -s}/{@code uname -m}, a runtime's {@code release} file or the {@code os.name}
     * and {@code os.arch} properties name them; empty where no platform release is built.
     */
    public static Optional<String> platformOf(String osName, String osArch) {
        if (osName == null || osArch == null || !osName.strip().equalsIgnoreCase("linux")) {
            return Optional.empty();
        }
        switch (osArch.strip().toLowerCase(Locale.ROOT)) {
            case "x86_64":
            case "amd64":
                return Optional.of("linux-x64");
            default:
                return Optional.empty();
        }
    }

    /** The platform this JVM runs on, by {@code os.name} and {@code os.arch}; empty where none is built. */
    public static Optional<String> hostPlatform() {
        return platformOf(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /**
     * The kind of the release in {@code releaseDir}: a platform release when it has an executable
     * {@code runtime/bin/java}, else the plain release. A runtime whose {@code release} file
     * cannot be read is one of an unnamed platform, which no upgrade is fetched for.
     */
    public static ReleaseKind of(Path releaseDir) {
        if (!Files.isRegularFile(releaseDir.resolve(RUNTIME_JAVA)) || !Files.isExecutable(releaseDir.resolve(RUNTIME_JAVA))) {
            return PLAIN;
        }
        Path releaseFile = releaseDir.resolve(RUNTIME_RELEASE_FILE);
        String osName = null;
        String osArch = null;
        if (Files.isRegularFile(releaseFile)) {
            String text;
            try {
                text = Files.readString(releaseFile, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return new ReleaseKind(null, "the OS and architecture in " + releaseFile + ", which cannot be read ("
                        + e + ")");
            }
            Matcher m = RELEASE_LINE.matcher(text);
            while (m.find()) {
                if (m.group(1).equals("OS_NAME")) {
                    osName = m.group(2);
                } else {
                    osArch = m.group(2);
                }
            }
        }
        if (osName == null || osArch == null) {
            String[] elf = elfPlatform(releaseDir.resolve(RUNTIME_JAVA));
            osName = elf == null ? null : elf[0];
            osArch = elf == null ? null : elf[1];
        }
        Optional<String> named = platformOf(osName, osArch);
        if (named.isPresent()) {
            return new ReleaseKind(named.get(), null);
        }
        return new ReleaseKind(null, osName == null || osArch == null
                ? "an OS and architecture neither its " + RUNTIME_RELEASE_FILE + " nor its " + RUNTIME_JAVA + " names"
                : osName + " " + osArch);
    }

    /**
     * The OS and architecture of an ELF executable, {@code {"Linux", "x86_64"}}, from its header:
     * the magic number, then the machine ({@code e_machine}, 2 bytes at offset 18, in the byte
     * order the header states); null for a file that is not ELF or cannot be read.
     */
    static String[] elfPlatform(Path file) {
        byte[] header = new byte[20];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(header, 0, header.length) < header.length) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        if (header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F') {
            return null;
        }
        int lo = header[18] & 0xff;
        int hi = header[19] & 0xff;
        int machine = header[5] == 2 ? (lo << 8) | hi : (hi << 8) | lo;
        switch (machine) {
            case 0x3e:
                return new String[] {"Linux", "x86_64"};
            case 0xb7:
                return new String[] {"Linux", "aarch64"};
            default:
                return new String[] {"Linux", "ELF machine 0x" + Integer.toHexString(machine)};
        }
    }

    /**
     * The kind of the release a jar runs from, {@code <release>/lib/opsagent.jar}; the plain
     * release when the jar is not inside a release's {@code lib/} (a build's classes, say).
     */
    public static ReleaseKind ofJar(Path jar) {
        Path lib = jar.toAbsolutePath().normalize().getParent();
        if (lib == null || lib.getFileName() == null || !lib.getFileName().toString().equals("lib")
                || lib.getParent() == null) {
            return PLAIN;
        }
        return of(lib.getParent());
    }

    /** Whether the release carries its own Java runtime. */
    public boolean isPlatform() {
        return platform != null || unnamedRuntime != null;
    }

    /** The platform's name, such as {@code linux-x64}; empty for the plain release. */
    public Optional<String> platformName() {
        return Optional.ofNullable(platform);
    }

    /**
     * The tarball's name in a release directory: {@code opsagent.tgz}, or
     * {@code opsagent-<platform>.tgz}.
     *
     * @throws UpgradeException ({@link Kind#REFUSED}) for a runtime of a platform no platform release is named for
     */
    public String tarballName() {
        if (platform != null) {
            return "opsagent-" + platform + ".tgz";
        }
        if (unnamedRuntime != null) {
            throw new UpgradeException(Kind.REFUSED, "the running release carries its own Java runtime for "
                    + unnamedRuntime + ", for which no platform release is named (only linux-x64 is built); the plain "
                    + ReleaseFetcher.TARBALL + " would need a Java on the host, which a host installed with its own"
                    + " runtime may not have");
        }
        return ReleaseFetcher.TARBALL;
    }

    /**
     * The URL of this kind's tarball, given the URL of an order that names a tarball: the same
     * URL for the plain release, or for a URL that already names this platform's tarball;
     * otherwise {@code -<platform>} is inserted before {@code .tgz} or {@code .tar.gz}, so
     * {@code .../1.3/opsagent.tgz} becomes {@code .../1.3/opsagent-linux-x64.tgz} (the name a
     * release is uploaded under) and {@code .../opsagent-1.3.tgz} becomes
     * {@code .../opsagent-1.3-linux-x64.tgz} (the name the build gives it).
     */
    String tarballUrl(String url) {
        if (!isPlatform()) {
            return url;
        }
        tarballName(); // refuses a runtime of a platform without a name
        String suffix = "-" + platform;
        String extension = url.toLowerCase(Locale.ROOT).endsWith(".tar.gz") ? ".tar.gz" : ".tgz";
        String stem = url.substring(0, url.length() - extension.length());
        if (stem.toLowerCase(Locale.ROOT).endsWith(suffix)) {
            return url;
        }
        return stem + suffix + url.substring(stem.length());
    }

    /**
     * Checks, before it is switched to, that the release unpacked in {@code releaseDir} can start
     * on this host, whose running release is of this kind: a platform host needs a runtime of its
     * own platform in the new release (it may have no other Java); a plain host must not take a
     * runtime built for another platform.
     *
     * @param hostPlatform the platform this host is, as {@link #hostPlatform()}
     * @throws UpgradeException ({@link Kind#REJECTED}) naming what the release lacks
     */
    void requireStartsHere(Path releaseDir, String version, Optional<String> hostPlatform) {
        ReleaseKind unpacked = of(releaseDir);
        if (isPlatform() && !unpacked.isPlatform()) {
            throw new UpgradeException(Kind.REJECTED, "release " + version + " has no " + RUNTIME_JAVA
                    + ", but this host runs " + this + ", whose own Java runtime the agent starts on, and may"
                    + " have no other Java; release " + version + " could not start here");
        }
        if (isPlatform() && !unpacked.equals(this)) {
            throw new UpgradeException(Kind.REJECTED, "release " + version + " is " + unpacked
                    + ", but this host runs " + this + "; its runtime could not start here");
        }
        if (!isPlatform() && unpacked.isPlatform()
                && (unpacked.platform == null || !hostPlatform.filter(unpacked.platform::equals).isPresent())) {
            throw new UpgradeException(Kind.REJECTED, "release " + version + " is " + unpacked
                    + ", which cannot run on this host (" + hostPlatform.orElse(System.getProperty("os.name") + " "
                            + System.getProperty("os.arch")) + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReleaseKind && Objects.equals(platform, ((ReleaseKind) o).platform)
                && Objects.equals(unnamedRuntime, ((ReleaseKind) o).unnamedRuntime);
    }

    @Override
    public int hashCode() {
        return Objects.hash(platform, unnamedRuntime);
    }

    /** {@code the plain release}, {@code the platform release linux-x64}. */
    @Override
    public String toString() {
        if (platform != null) {
            return "the platform release " + platform;
        }
        return unnamedRuntime != null ? "a release with its own Java runtime for " + unnamedRuntime : "the plain release";
    }
}
