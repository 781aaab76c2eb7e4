package io.opsagent.launcher.upgrade;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tar.gz archives with any entries, hostile ones included, for the tests. */
public final class Tarball {

    private record Entry(TarArchiveEntry header, byte[] data) { }

    private final List<Entry> entries = new ArrayList<>();

    /** An archive with the layout a release needs: {@code bin/opsagent} (0755) and {@code lib/opsagent.jar}. */
    public static Tarball release() {
        return new Tarball()
                .dir("bin", 0755)
                .file("bin/opsagent", "#!/bin/sh\nexec java -jar \"$(dirname \"$0\")/../lib/opsagent.jar\" \"$@\"\n", 0755)
                .dir("lib", 0755)
                .file("lib/opsagent.jar", "PK\u0003\u0004 not really a jar", 0644);
    }

    /**
     * A platform release: {@link #release()} plus {@code runtime/bin/java} (0755) and the
     * runtime's {@code release} file naming Linux and {@code osArch}, as a JDK's names them.
     */
    public static Tarball platformRelease(String osArch) {
        return release()
                .dir("runtime", 0755)
                .dir("runtime/bin", 0755)
                .file("runtime/bin/java", "#!/bin/sh\necho not really a java\n", 0755)
                .file("runtime/release", "IMPLEMENTOR=\"Debian\"\nJAVA_VERSION=\"17.0.15\"\nOS_ARCH=\"" + osArch
                        + "\"\nOS_NAME=\"Linux\"\n", 0644);
    }

    public static Tarball empty() {
        return new Tarball();
    }

    public Tarball file(String name, String content, int mode) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    Tarball file(String name, byte[] content, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(content.length);
        e.setMode(mode);
        entries.add(new Entry(e, content));
        return this;
    }

    public Tarball dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
        e.setMode(040000 | mode);
        entries.add(new Entry(e, new byte[0]));
        return this;
    }

    Tarball symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        entries.add(new Entry(e, new byte[0]));
        return this;
    }

    Tarball hardLink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        entries.add(new Entry(e, new byte[0]));
        return this;
    }

    Tarball charDevice(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
        e.setDevMajor(1);
        e.setDevMinor(3);
        entries.add(new Entry(e, new byte[0]));
        return this;
    }

    Tarball fifo(String name) {
        entries.add(new Entry(new TarArchiveEntry(name, TarConstants.LF_FIFO, true), new byte[0]));
        return this;
    }

    /** The archive, gzip-compressed. */
    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                tar.putArchiveEntry(e.header());
                tar.write(e.data());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public Path writeTo(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
