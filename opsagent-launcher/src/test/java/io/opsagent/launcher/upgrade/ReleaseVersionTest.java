package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReleaseVersionTest {

    @ParameterizedTest(name = "{0} < {1}")
    @CsvSource({
        "1.2, 1.3",
        "1.9, 1.10",
        "1.3, 1.3-b",
        "1.3, 1.3.1",
        "1.3-a, 1.3-b",
        "1.3-rc1, 1.3.0",
        "0.9, 1",
        "1.02, 1.3",
    })
    void ordersReleaseNames(String lower, String higher) {
        assertThat(ReleaseVersion.compare(lower, higher)).isNegative();
        assertThat(ReleaseVersion.compare(higher, lower)).isPositive();
        assertThat(ReleaseVersion.compare(lower, lower)).isZero();
    }
}
