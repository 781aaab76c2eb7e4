package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.testing.ManualClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** A host under a temporary root, a signing key, and a release server on loopback. */
final class Fixture implements AutoCloseable {

    final Path root;
    final Path installDir;
    final Path stateDir;
    final KeyPair key = newKeyPair();
    final ReleaseServer server = new ReleaseServer();
    final ManualClock clock = new ManualClock();

    Fixture(Path root) {
        this.root = root;
        this.installDir = root.resolve("opt/visualops");
        this.stateDir = root.resolve("var/lib/visualops");
    }

    static KeyPair newKeyPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    UpgradeSettings.Builder settings() {
        return UpgradeSettings.builder(installDir, stateDir).baseRemote(server.base()).publicKey(key.getPublic());
    }

    ReleaseSwitcher switcher() {
        return new ReleaseSwitcher(installDir);
    }

    UpgradeState loadState() {
        return UpgradeState.load(stateDir.resolve(UpgradeState.FILE_NAME), 3, clock);
    }

    /** Publishes {@code tarball} as {@code <version>/opsagent.tgz} with a correct checksum and signature. */
    byte[] publish(String version, byte[] tarball) {
        return publish(version, tarball, key.getPrivate());
    }

    byte[] publish(String version, byte[] tarball, PrivateKey signer) {
        return publish(version, ReleaseFetcher.TARBALL, tarball, signer);
    }

    /** Publishes {@code tarball} as {@code <version>/<name>} with a correct checksum and signature. */
    byte[] publish(String version, String name, byte[] tarball) {
        return publish(version, name, tarball, key.getPrivate());
    }

    byte[] publish(String version, String name, byte[] tarball, PrivateKey signer) {
        String dir = "/opsagent/" + version + "/";
        server.put(dir + name, tarball);
        server.put(dir + name + ".sha256", (sha256(tarball) + "  " + name + "\n").getBytes(StandardCharsets.US_ASCII));
        server.put(dir + name + ".sig", (Base64.getEncoder().encodeToString(signRelease(version, tarball, signer))
                + "\n").getBytes(StandardCharsets.US_ASCII));
        return tarball;
    }

    /** A release signature: {@code version} with the tarball's SHA-256, as {@code release-sign} writes it. */
    static byte[] signRelease(String version, byte[] tarball, PrivateKey signer) {
        return sign(ReleaseVerifier.signedText(version, sha256(tarball)), signer);
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(ReleaseVerifier.newSha256().digest(data));
    }

    static byte[] sign(byte[] data, PrivateKey signer) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(signer);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Installs {@code version} as the running release: {@code releases/<version>} and {@code current} to it. */
    Fixture running(String version) {
        installed(version);
        try {
            Files.createSymbolicLink(installDir.resolve("current"), Paths.get("releases", version));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Creates {@code releases/<version>} with a marker file, as an earlier install would have. */
    Fixture installed(String version) {
        Path dir = installDir.resolve("releases").resolve(version);
        try {
            Files.createDirectories(dir.resolve("bin"));
            Files.createDirectories(dir.resolve("lib"));
            Files.writeString(dir.resolve("bin/opsagent"), "#!/bin/sh\n# " + version + "\n");
            Files.writeString(dir.resolve("lib/opsagent.jar"), "jar of " + version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Names in {@code releases/}, hidden work directories included, sorted. */
    List<String> releasesListing() {
        Path releases = installDir.resolve("releases");
        if (!Files.isDirectory(releases)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(releases)) {
            List<String> names = new ArrayList<>(s.map(p -> p.getFileName().toString()).toList());
            names.sort(null);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where {@code current} points, as written in the link. */
    String currentTarget() {
        return linkTarget("current");
    }

    String linkTarget(String name) {
        Path link = installDir.resolve(name);
        try {
            return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).toString() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
