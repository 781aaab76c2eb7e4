package io.opsagent.fsm.internal.exec.salt;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.internal.exec.salt.HostFacts.PackageFamily;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HostFactsTest {

    @Test
    void readsTheFamilyFromIdAndIdLike() {
        assertThat(HostFacts.parse("ID=ubuntu\nVERSION_ID=\"22.04\"\n").packageFamily()).isEqualTo(PackageFamily.APT);
        assertThat(HostFacts.parse("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n").packageFamily()).isEqualTo(PackageFamily.APT);
        assertThat(HostFacts.parse("ID=\"amzn\"\nID_LIKE=\"centos rhel fedora\"\nVERSION_ID=\"2\"\n"))
                .isEqualTo(new HostFacts("amzn", "2", PackageFamily.YUM));
        assertThat(HostFacts.parse("ID=rocky\nID_LIKE=\"rhel centos fedora\"\n").packageFamily()).isEqualTo(PackageFamily.YUM);
        assertThat(HostFacts.parse("ID=alpine\n").packageFamily()).isEqualTo(PackageFamily.UNKNOWN);
    }

    @Test
    void aMissingFileMeansUnknown() {
        assertThat(HostFacts.fromOsRelease(Path.of("/nonexistent/os-release"))).isEqualTo(HostFacts.unknown());
        assertThat(HostFacts.unknown().describe()).isEqualTo("an unknown system");
    }
}
