package io.opsagent.tck.model;

import io.opsagent.tck.InstallOutcome;
import io.opsagent.tck.ReleaseInstaller;
import io.opsagent.tck.ReleaseSupervisor;
import io.opsagent.tck.SignedRelease;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The model agent's release installer (R5.4), written from SPEC.md's release format: check the
 * tarball's SHA-256 and the signature over version and digest, unpack into a hidden staging
 * directory beside the releases, refusing any entry outside the release, check the layout,
 * rename the staging directory into {@code releases/<version>} and replace the {@code current}
 * link by a rename. A refusal removes the staging directory, so the install directory is as
 * before. A switch away from an earlier release puts the new one on probation ({@link
 * ModelSupervisor}).
 */
final class ModelReleaseInstaller implements ReleaseInstaller {

  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z._+-]{0,63}");
  private static final String STAGING_PREFIX = ".staging-";

  private final Path installDir;
  private final Path releasesDir;
  private final Path currentLink;
  private final PublicKey trustKey;
  private final ModelAgent agent;

  ModelReleaseInstaller(Path installDir, PublicKey trustKey, ModelAgent agent) {
    this.installDir = installDir;
    this.releasesDir = installDir.resolve("releases");
    this.currentLink = installDir.resolve("current");
    this.trustKey = trustKey;
    this.agent = agent;
  }

  @Override
  public InstallOutcome install(SignedRelease release) throws IOException {
    String version = release.version();
    if (!VERSION.matcher(version).matches()) {
      return refused("version '" + version + "' is not a release name");
    }
    Path target = releasesDir.resolve(version);
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      return refused("release " + version + " is already installed");
    }
    if (agent.breaks(Breakage.SWITCHES_BEFORE_VERIFYING)) {
      return switchThenVerify(release, target);
    }
    String problem = verify(release);
    if (problem != null) {
      return refused(problem);
    }
    Files.createDirectories(releasesDir);
    Path staging = Files.createTempDirectory(releasesDir, STAGING_PREFIX + version + "-");
    try {
      unpack(release.tarball(), staging);
      requireLayout(staging, version);
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (Refusal e) {
      return refused(e.getMessage());
    } catch (IOException | RuntimeException e) {
      return refused("release " + version + " cannot be unpacked: " + e);
    } finally {
      deleteTree(staging);
    }
    if (!agent.breaks(Breakage.INSTALLS_WITHOUT_SWITCHING)) {
      String previous = currentVersion();
      if (previous != null) {
        ModelSupervisor.putOnProbation(installDir, version, previous);
      }
      pointCurrentAt(version);
    }
    return outcome(true, "installed");
  }

  /** The model's supervisor: it starts the current release and rolls back one that cannot start. */
  @Override
  public Optional<ReleaseSupervisor> supervisor() {
    return Optional.of(new ModelSupervisor(installDir, agent));
  }

  /** The digest, then the signature over version and digest; null when both hold. */
  private String verify(SignedRelease release) throws IOException {
    String actual = sha256(release.tarball());
    if (!actual.equals(release.sha256())) {
      return "the tarball's SHA-256 is " + actual + ", its checksum file says " + release.sha256();
    }
    if (agent.breaks(Breakage.IGNORES_RELEASE_SIGNATURE)) {
      return null;
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(trustKey);
      verifier.update(("opsagent-release v1\nversion=" + release.version() + "\nsha256=" + actual
          + "\n").getBytes(StandardCharsets.US_ASCII));
      if (!verifier.verify(release.signature())) {
        return "the signature of release " + release.version() + " does not verify with the"
            + " trusted key";
      }
    } catch (GeneralSecurityException e) {
      return "the signature of release " + release.version() + " cannot be checked: " + e;
    }
    return null;
  }

  /** The broken way: unpack in place and switch, then verify, and only switch back on refusal. */
  private InstallOutcome switchThenVerify(SignedRelease release, Path target) throws IOException {
    String previous = currentVersion();
    Files.createDirectories(target);
    try {
      unpack(release.tarball(), target);
    } catch (Refusal e) {
      return refused(e.getMessage());
    }
    pointCurrentAt(release.version());
    String problem = verify(release);
    if (problem != null) {
      if (previous != null) {
        pointCurrentAt(previous);
      }
      return refused(problem);
    }
    return outcome(true, "installed");
  }

  private void pointCurrentAt(String version) throws IOException {
    pointCurrentAt(installDir, version);
  }

  /** Replaces {@code installDir/current} by a link to {@code releases/<version>}, by a rename. */
  static void pointCurrentAt(Path installDir, String version) throws IOException {
    Path temporary = installDir.resolve(".current.tmp");
    Files.deleteIfExists(temporary);
    Files.createSymbolicLink(temporary, Paths.get("releases", version));
    Files.move(temporary, installDir.resolve("current"), StandardCopyOption.ATOMIC_MOVE);
  }

  private String currentVersion() throws IOException {
    return currentVersion(installDir);
  }

  /** The release {@code installDir/current} points to; null when there is none. */
  static String currentVersion(Path installDir) throws IOException {
    Path link = installDir.resolve("current");
    if (!Files.isSymbolicLink(link)) {
      return null;
    }
    return Files.readSymbolicLink(link).getFileName().toString();
  }

  private InstallOutcome refused(String reason) throws IOException {
    return outcome(false, reason);
  }

  private InstallOutcome outcome(boolean switched, String message) throws IOException {
    String current = currentVersion();
    return new InstallOutcome(switched, current, current == null ? null : currentLink, message);
  }

  // ------------------------------------------------------------------ unpacking (ustar, gzip)

  /** Unpacks files and directories; any other entry type, or an entry outside {@code into}, is refused. */
  private void unpack(Path tarball, Path into) throws IOException {
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tarball)))) {
      byte[] header = new byte[512];
      while (in.readNBytes(header, 0, 512) == 512 && !allZero(header)) {
        String name = text(header, 345, 155).isEmpty() ? text(header, 0, 100)
            : text(header, 345, 155) + "/" + text(header, 0, 100);
        long size = Long.parseLong(text(header, 124, 12).trim().isEmpty() ? "0"
            : text(header, 124, 12).trim(), 8);
        int mode = Integer.parseInt(text(header, 100, 8).trim(), 8);
        char type = (char) header[156];
        Path path = placeOf(name, into);
        if (type == '5') {
          Files.createDirectories(path);
        } else if (type == '0' || type == 0) {
          Files.createDirectories(path.getParent());
          Files.write(path, in.readNBytes((int) size));
          in.skipNBytes((512 - size % 512) % 512);
          Files.setPosixFilePermissions(path, permissions(mode));
        } else {
          throw new Refusal("entry '" + name + "' is of type '" + type + "'; the model accepts"
              + " files and directories only");
        }
      }
    }
  }

  private Path placeOf(String name, Path into) {
    if (agent.breaks(Breakage.UNPACKS_ENTRIES_OUTSIDE_RELEASE)) {
      return name.startsWith("/") ? Paths.get(name) : into.resolve(name).normalize();
    }
    if (name.startsWith("/")) {
      throw new Refusal("entry '" + name + "' has an absolute path");
    }
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw new Refusal("entry '" + name + "' climbs out of the release with '..'");
      }
    }
    return into.resolve(name).normalize();
  }

  private static void requireLayout(Path release, String version) {
    Path launcher = release.resolve("bin/opsagent");
    Path jar = release.resolve("lib/opsagent.jar");
    if (!Files.isRegularFile(launcher, LinkOption.NOFOLLOW_LINKS) || !Files.isExecutable(launcher)) {
      throw new Refusal("release " + version + " has no executable bin/opsagent");
    }
    if (!Files.isRegularFile(jar, LinkOption.NOFOLLOW_LINKS)) {
      throw new Refusal("release " + version + " has no lib/opsagent.jar");
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> permissions = java.util.EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ first, OTHERS_EXECUTE last
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        permissions.add(bits[i]);
      }
    }
    return permissions;
  }

  private static String text(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static boolean allZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.forEach(paths::add);
    }
    paths.sort(Comparator.reverseOrder());
    for (Path path : paths) {
      Files.deleteIfExists(path);
    }
  }

  /** A release the model refuses, with the reason. */
  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refusal(String reason) {
      super(reason);
    }
  }
}
