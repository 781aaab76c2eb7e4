package io.opsagent.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"500ms,PT0.5S", "5s,PT5S", "10m,PT10M", "1h,PT1H", "0s,PT0S", "90s,PT1M30S"})
    void parsesEachUnit(String text, String iso) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5x", "5", "1.5s", " 5s", "5s ", "-1s", "", "s", "5 s", "5S", "1d", "10min"})
    void rejectsAnythingElseWithTheHint(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is not a duration (use e.g. 500ms, 5s, 10m)");
    }

    @ParameterizedTest
    @CsvSource({"PT0.5S,500ms", "PT5S,5s", "PT10M,10m", "PT1H,1h", "PT1M30S,90s", "PT0S,0s", "PT1.25S,1250ms"})
    void formatsInTheShortestExactUnit(String iso, String text) {
        assertThat(Durations.format(Duration.parse(iso))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
    }
}
