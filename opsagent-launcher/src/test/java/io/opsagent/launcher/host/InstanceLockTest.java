package io.opsagent.launcher.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceLockTest {

    @TempDir
    Path dir;

    @Test
    void theLockHoldsThePidAndASecondAgentIsRefused() throws IOException {
        Path file = dir.resolve("opsagent.lock");
        long pid = ProcessHandle.current().pid();

        try (InstanceLock lock = InstanceLock.acquire(file)) {
            assertThat(Files.readString(file)).isEqualTo(pid + "\n");
            assertThat(FileModes.mode(Files.getPosixFilePermissions(file))).isEqualTo(0600);
            assertThatThrownBy(() -> InstanceLock.acquire(file))
                    .isInstanceOf(HostException.class)
                    .hasMessage("another opsagent is already running: pid " + pid + " holds " + file
                            + "; stop it first, or use another --root");
            assertThat(InstanceLock.probe(file)).isEqualTo(
                    new InstanceLock.Probe(InstanceLock.State.HELD, OptionalLong.of(pid), ""));
        }

        assertThat(InstanceLock.probe(file).state()).isEqualTo(InstanceLock.State.FREE);
        assertThat(file).exists();
        try (InstanceLock again = InstanceLock.acquire(file)) {
            assertThat(again.file()).isEqualTo(file);
        }
    }

    @Test
    void noLockFileMeansNoAgent() {
        assertThat(InstanceLock.probe(dir.resolve("none.lock")))
                .isEqualTo(new InstanceLock.Probe(InstanceLock.State.FREE, OptionalLong.empty(), ""));
    }

    @Test
    void aStalePidFromACrashedAgentDoesNotBlock() throws IOException {
        Path file = dir.resolve("opsagent.lock");
        Files.writeString(file, "999999999\n");

        assertThat(InstanceLock.probe(file).state()).isEqualTo(InstanceLock.State.FREE);
        try (InstanceLock lock = InstanceLock.acquire(file)) {
            assertThat(Files.readString(file)).isEqualTo(ProcessHandle.current().pid() + "\n");
        }
    }
}
