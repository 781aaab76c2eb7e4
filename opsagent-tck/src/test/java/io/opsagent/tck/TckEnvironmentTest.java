package io.opsagent.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every documented key takes effect, in the documented order of precedence. */
class TckEnvironmentTest {

  private static TckEnvironment from(Map<String, String> properties, Map<String, String> env) {
    return TckEnvironment.from(properties::get, env::get);
  }

  @Test
  void defaultsApplyWithoutKeys() {
    TckEnvironment environment = from(Map.of(), Map.of());
    assertThat(environment.timeoutMultiplier()).isEqualTo(1.0);
    assertThat(environment.signalTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(environment.noSignalTimeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(environment.timingSlack()).isEqualTo(0.5);
  }

  @Test
  void environmentVariablesTakeEffect() {
    TckEnvironment environment = from(Map.of(), Map.of(
        TckEnvironment.MULTIPLIER_ENV, "2",
        TckEnvironment.SIGNAL_TIMEOUT_ENV, "1000",
        TckEnvironment.NO_SIGNAL_TIMEOUT_ENV, "100",
        TckEnvironment.SLACK_ENV, "20"));
    assertThat(environment.signalTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(environment.noSignalTimeout()).isEqualTo(Duration.ofMillis(200));
    assertThat(environment.timingSlack()).isEqualTo(0.2);
    assertThat(environment.millis(300)).isEqualTo(Duration.ofMillis(600));
  }

  @Test
  void systemPropertiesWinOverEnvironmentVariables() {
    TckEnvironment environment = from(
        Map.of(TckEnvironment.MULTIPLIER_PROPERTY, "3",
            TckEnvironment.SIGNAL_TIMEOUT_PROPERTY, "10",
            TckEnvironment.NO_SIGNAL_TIMEOUT_PROPERTY, "20",
            TckEnvironment.SLACK_PROPERTY, "30"),
        Map.of(TckEnvironment.MULTIPLIER_ENV, "2"));
    assertThat(environment.timeoutMultiplier()).isEqualTo(3.0);
    assertThat(environment.signalTimeout()).isEqualTo(Duration.ofMillis(30));
    assertThat(environment.noSignalTimeout()).isEqualTo(Duration.ofMillis(60));
    assertThat(environment.timingSlack()).isEqualTo(0.3);
  }

  @Test
  void explicitValuesWinOverBoth() {
    TckEnvironment environment =
        from(Map.of(TckEnvironment.MULTIPLIER_PROPERTY, "3"), Map.of())
            .withTimeoutMultiplier(1.5)
            .withSignalTimeout(Duration.ofSeconds(2));
    assertThat(environment.signalTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void boundsAreTheConfiguredValuePlusOrMinusItsShareOfTheSlack() {
    TckEnvironment environment = TckEnvironment.defaults();
    assertThat(environment.upperBound(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(600));
    assertThat(environment.lowerBound(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(360));
    TckEnvironment tight = environment.withTimingSlackPercent(10);
    assertThat(tight.upperBound(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(440));
    assertThat(tight.lowerBound(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(392));
  }

  @Test
  void boundsScaleWithTheMultiplierThroughTheConfiguredValues() {
    TckEnvironment slow = TckEnvironment.defaults().withTimeoutMultiplier(3);
    assertThat(slow.upperBound(slow.millis(400))).isEqualTo(Duration.ofMillis(1_800));
  }

  @Test
  void aSlackThatWouldLetTwiceTheConfiguredTimePassIsRefused() {
    assertThatThrownBy(() -> from(Map.of(TckEnvironment.SLACK_PROPERTY, "100"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timing slack must be between 1 and 99 %, was 100 %");
    assertThatThrownBy(() -> TckEnvironment.defaults().withTimingSlackPercent(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0 %");
    assertThatThrownBy(() -> from(Map.of(), Map.of(TckEnvironment.SLACK_ENV, "50%")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(TckEnvironment.SLACK_ENV);
  }

  @Test
  void unparsableValuesNameTheirKey() {
    assertThatThrownBy(() -> from(Map.of(), Map.of(TckEnvironment.MULTIPLIER_ENV, "fast")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(TckEnvironment.MULTIPLIER_ENV);
    assertThatThrownBy(
            () -> from(Map.of(TckEnvironment.SIGNAL_TIMEOUT_PROPERTY, "5s"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(TckEnvironment.SIGNAL_TIMEOUT_PROPERTY);
    assertThatThrownBy(() -> from(Map.of(TckEnvironment.MULTIPLIER_PROPERTY, "0"), Map.of()))
        .hasMessageContaining("positive");
  }
}
