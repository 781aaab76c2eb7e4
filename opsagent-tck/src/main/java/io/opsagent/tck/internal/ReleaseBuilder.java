package io.opsagent.tck.internal;

import io.opsagent.tck.SignedRelease;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * Builds releases in the format of SPEC.md ("Release format") and signs them with a key pair of
 * its own: sound ones, and ones unsound in exactly one way for the R5.4 tests. Each release goes
 * into a directory of its own under {@code outDir}, as {@code opsagent.tgz} with {@code
 * opsagent.tgz.sha256} and {@code opsagent.tgz.sig} beside it. Internal to the kit.
 */
public final class ReleaseBuilder {

  /** The launcher script every release holds, mode 0755. */
  public static final String LAUNCHER = "bin/opsagent";
  /** The agent jar every release holds. */
  public static final String JAR = "lib/opsagent.jar";
  /** The name of the tarball in a release's directory. */
  public static final String TARBALL = "opsagent.tgz";

  private final Path outDir;
  private final KeyPair trusted;
  private final KeyPair untrusted = ReleaseSignatures.newKeyPair();
  private int built;

  /** A builder that signs with a new key pair and writes under {@code outDir}. */
  public ReleaseBuilder(Path outDir) {
    this.outDir = outDir;
    this.trusted = ReleaseSignatures.newKeyPair();
  }

  /** The key an agent must trust to accept this builder's sound releases. */
  public PublicKey trustKey() {
    return trusted.getPublic();
  }

  /**
   * The files of release {@code version} by path inside the release: what an agent that
   * installed it must have in the release's directory.
   */
  public static Map<String, byte[]> contents(String version) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(LAUNCHER, ("#!/bin/sh\n# opsagent release " + version
        + ", built by the conformance kit; it only says its version\necho " + version + "\n")
        .getBytes(StandardCharsets.UTF_8));
    files.put(JAR, manifestOnlyJar(version));
    return files;
  }

  /** A sound release: the layout, its true checksum, signed with the trusted key. */
  public SignedRelease sound(String version) throws IOException {
    Path tarball = newTarball();
    writeRelease(tarball, version, null);
    String sha256 = ReleaseSignatures.sha256(tarball);
    return finish(version, tarball, sha256, trusted.getPrivate());
  }

  /** A sound release but for its signature, made with a key the agent does not trust. */
  public SignedRelease signedByUntrustedKey(String version) throws IOException {
    Path tarball = newTarball();
    writeRelease(tarball, version, null);
    String sha256 = ReleaseSignatures.sha256(tarball);
    return finish(version, tarball, sha256, untrusted.getPrivate());
  }

  /**
   * A release whose tarball was replaced after it was signed: the checksum file states, and the
   * trusted key signs, the digest of another build of the same version (whose launcher says
   * another thing), not of the tarball beside them.
   */
  public SignedRelease replacedAfterSigning(String version) throws IOException {
    Path tarball = newTarball();
    writeRelease(tarball, version, null);
    String signedDigest = ReleaseSignatures.sha256(tarball);
    try (TarWriter tar = new TarWriter(Files.newOutputStream(tarball))) {
      Map<String, byte[]> files = contents(version);
      files.put(LAUNCHER, ("#!/bin/sh\n# not the release that was signed\necho replaced\n")
          .getBytes(StandardCharsets.UTF_8));
      writeEntries(tar, files, null);
    }
    return finish(version, tarball, signedDigest, trusted.getPrivate());
  }

  /**
   * A sound, truly signed release that also holds a file entry named exactly {@code entryName}
   * (such as {@code ../x} or an absolute path), among the release's own entries.
   */
  public SignedRelease withExtraEntry(String version, String entryName) throws IOException {
    Path tarball = newTarball();
    writeRelease(tarball, version, entryName);
    String sha256 = ReleaseSignatures.sha256(tarball);
    return finish(version, tarball, sha256, trusted.getPrivate());
  }

  /** A regular file of a release: its permission bits and content. */
  public record ReleaseFile(int mode, byte[] content) {}

  /**
   * The regular files under {@code dir}, by path relative to it (with {@code /}), with their
   * permission bits: a release to pack with {@link #packed}.
   *
   * @throws IOException also when {@code dir} holds anything but regular files and directories,
   *     naming it, or lacks {@link #LAUNCHER} or {@link #JAR}
   */
  public static Map<String, ReleaseFile> readRelease(Path dir) throws IOException {
    Map<String, ReleaseFile> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        String name = dir.relativize(path).toString().replace('\\', '/');
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException("the working release " + dir + " holds " + name + ", which is not a"
              + " regular file or a directory; the kit packs only those (SPEC.md, \"Release"
              + " format\")");
        }
        files.put(name, new ReleaseFile(mode(Files.getPosixFilePermissions(path,
            LinkOption.NOFOLLOW_LINKS)), Files.readAllBytes(path)));
      }
    }
    for (String required : new String[] {LAUNCHER, JAR}) {
      if (!files.containsKey(required)) {
        throw new IOException("the working release " + dir + " has no " + required);
      }
    }
    return files;
  }

  /**
   * {@code files} with {@link #LAUNCHER} replaced by a script that says it belongs to release
   * {@code version} and exits with 1 at once: a release that cannot start.
   */
  public static Map<String, ReleaseFile> withFailingLauncher(Map<String, ReleaseFile> files,
      String version) {
    Map<String, ReleaseFile> failing = new TreeMap<>(files);
    failing.put(LAUNCHER, new ReleaseFile(0755, ("#!/bin/sh\n# opsagent release " + version
        + ", built by the conformance kit so that it cannot start\necho \"opsagent release "
        + version + " cannot start (built so by the conformance kit)\" >&2\nexit 1\n")
        .getBytes(StandardCharsets.UTF_8)));
    return failing;
  }

  /** {@code files} (see {@link #readRelease}) as release {@code version}, signed with the trusted key. */
  public SignedRelease packed(String version, Map<String, ReleaseFile> files) throws IOException {
    Path tarball = newTarball();
    Set<String> directories = new TreeSet<>();
    for (String name : files.keySet()) {
      for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
        directories.add(name.substring(0, slash + 1));
      }
    }
    try (OutputStream file = Files.newOutputStream(tarball);
        TarWriter tar = new TarWriter(file)) {
      for (String directory : directories) {
        tar.directory(directory, 0755);
      }
      for (Map.Entry<String, ReleaseFile> entry : files.entrySet()) {
        tar.file(entry.getKey(), entry.getValue().mode(), entry.getValue().content());
      }
    }
    return finish(version, tarball, ReleaseSignatures.sha256(tarball), trusted.getPrivate());
  }

  private static int mode(Set<PosixFilePermission> permissions) {
    int mode = 0;
    for (PosixFilePermission permission : permissions) {
      mode |= 1 << (8 - permission.ordinal());
    }
    return mode;
  }

  private Path newTarball() throws IOException {
    Path dir = Files.createDirectories(outDir.resolve("release-" + (++built)));
    return dir.resolve(TARBALL);
  }

  private static void writeRelease(Path tarball, String version, String extraEntry)
      throws IOException {
    try (OutputStream file = Files.newOutputStream(tarball);
        TarWriter tar = new TarWriter(file)) {
      writeEntries(tar, contents(version), extraEntry);
    }
  }

  /** {@code bin/}, the launcher, the extra entry if any, {@code lib/}, the jar. */
  private static void writeEntries(TarWriter tar, Map<String, byte[]> files, String extraEntry)
      throws IOException {
    tar.directory("bin/", 0755);
    tar.file(LAUNCHER, 0755, files.get(LAUNCHER));
    if (extraEntry != null) {
      tar.file(extraEntry, 0644, ("written by the archive entry " + extraEntry + "\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    tar.directory("lib/", 0755);
    tar.file(JAR, 0644, files.get(JAR));
  }

  private static SignedRelease finish(String version, Path tarball, String sha256,
      PrivateKey signingKey) throws IOException {
    byte[] signature = ReleaseSignatures.sign(version, sha256, signingKey);
    SignedRelease release = new SignedRelease(version, tarball, sha256, signature);
    Files.writeString(release.checksumFile(), sha256 + "  " + tarball.getFileName() + "\n",
        StandardCharsets.US_ASCII);
    Files.writeString(release.signatureFile(),
        Base64.getEncoder().encodeToString(signature) + "\n", StandardCharsets.US_ASCII);
    return release;
  }

  /** A jar with only a manifest that names the version, with fixed entry times. */
  public static byte[] manifestOnlyJar(String version) {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JarOutputStream jar = new JarOutputStream(bytes)) {
      ZipEntry entry = new ZipEntry("META-INF/MANIFEST.MF");
      entry.setTime(1_700_000_000_000L);
      jar.putNextEntry(entry);
      manifest.write(jar);
      jar.closeEntry();
    } catch (IOException e) {
      throw new IllegalStateException("writing a jar to memory failed", e);
    }
    return bytes.toByteArray();
  }
}
