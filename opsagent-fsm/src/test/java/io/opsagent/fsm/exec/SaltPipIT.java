package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/**
 * {@code common.pip.package} through real Salt, into a virtualenv in the test's directory
 * ({@code bin-env}: the virtualenv, or a pip program), from a wheel the test writes itself: pip
 * is told to use only that folder ({@code pip.conf} in the virtualenv), so nothing is fetched
 * from the network.
 */
class SaltPipIT extends RealSaltBase {

    private static final String PACKAGE = "opsagent-probe";

    @Test
    void installSettlesDryRunOnlyReportsRemovalIsRealAndAnUnknownPackageFails() throws Exception {
        Path venv = virtualenv();
        Path pip = offlinePip(venv);

        StateResult dry = saltDryRun("common.pip.package", params("name", Map.of(PACKAGE, ""), "bin-env", pip));
        boolean installedByDryRun = installed(venv);
        StateResult first = salt("common.pip.package", params("name", Map.of(PACKAGE, "1.0"), "bin-env", pip));
        boolean installedByFirst = installed(venv);
        StateResult second = salt("common.pip.package", params("name", Map.of(PACKAGE, "1.0"), "bin-env", venv));
        StateResult remove = salt("common.pip.package", params("name", Map.of(PACKAGE, "removed"), "bin-env", venv));
        boolean installedAfterRemoval = installed(venv);
        StateResult removeAgain = salt("common.pip.package", params("name", Map.of(PACKAGE, "removed"), "bin-env", venv));
        StateResult unknown = salt("common.pip.package", params("name", Map.of("opsagent-no-such-package", ""), "bin-env", pip));

        assertChanged(dry);
        assertThat(installedByDryRun).isFalse();
        assertChanged(first);
        assertThat(installedByFirst).isTrue();
        assertUnchanged(second);
        assertChanged(remove);
        assertThat(installedAfterRemoval).isFalse();
        assertUnchanged(removeAgain);
        assertFailed(unknown);
    }

    private Path virtualenv() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no /usr/bin/python3 to make a virtualenv with");
        Path venv = tmp.resolve("venv");
        HostCommands.Result made = HostCommands.exec(tmp, python.toString(), "-m", "venv", venv.toString());
        assumeTrue(made.exitCode() == 0, "python3 -m venv is not available here: " + made.output());
        Path wheels = Files.createDirectory(tmp.resolve("wheels"));
        writeWheel(wheels.resolve("opsagent_probe-1.0-py3-none-any.whl"));
        Files.writeString(venv.resolve("pip.conf"), "[global]\nno-index = true\nfind-links = " + wheels + "\n"
                + "disable-pip-version-check = true\n");
        return venv;
    }

    /**
     * A pip program (the other form of {@code bin-env}) that runs the virtualenv's pip without
     * the {@code PIP_*} index settings a machine may have in its environment, which would
     * override the virtualenv's {@code pip.conf}.
     */
    private Path offlinePip(Path venv) throws IOException {
        Path pip = tmp.resolve("offline-pip");
        Files.writeString(pip, "#!/bin/sh\nexec env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_NO_INDEX "
                + venv.resolve("bin/pip") + " \"$@\"\n");
        Files.setAttribute(pip, "unix:mode", 0755);
        return pip;
    }

    private static boolean installed(Path venv) throws Exception {
        return HostCommands.exec(venv, venv.resolve("bin/pip").toString(), "show", "-q", PACKAGE).exitCode() == 0;
    }

    /** The smallest valid wheel: one module and its metadata. */
    private static void writeWheel(Path wheel) throws IOException {
        Map<String, String> files = Map.of(
                "opsagent_probe/__init__.py", "VERSION = '1.0'\n",
                "opsagent_probe-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: opsagent-probe\nVersion: 1.0\n",
                "opsagent_probe-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: opsagent-test\nRoot-Is-Purelib: true\n"
                        + "Tag: py3-none-any\n");
        StringBuilder record = new StringBuilder();
        try (OutputStream out = Files.newOutputStream(wheel); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(f.getKey()));
                zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
                record.append(f.getKey()).append(",,\n");
            }
            record.append("opsagent_probe-1.0.dist-info/RECORD,,\n");
            zip.putNextEntry(new ZipEntry("opsagent_probe-1.0.dist-info/RECORD"));
            zip.write(record.toString().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }
}
