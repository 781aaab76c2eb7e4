package io.opsagent.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

  private static AgentSettings.Builder valid() {
    return AgentSettings.builder().backendUrl(URI.create("ws://127.0.0.1:1/agent/"))
        .workDir(Path.of("/tmp/work"));
  }

  @Test
  void buildsWithTheKitDefaultsAndCopiesThroughToBuilder() {
    AgentSettings settings = valid().build();
    assertThat(settings.roundInterval()).isEqualTo(Duration.ofMillis(300));
    assertThat(settings.toBuilder().build()).isEqualTo(settings);
  }

  @Test
  void rejectsAnInitialBackoffAboveItsMaximum() {
    assertThatThrownBy(() -> valid().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backoffInitial must be <= backoffMax");
    assertThatThrownBy(() -> valid().reconnect(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
        .hasMessageContaining("reconnectInitial must be <= reconnectMax");
  }

  @Test
  void rejectsMissingOrNonPositiveValuesByName() {
    assertThatThrownBy(() -> valid().stateTimeout(Duration.ZERO).build())
        .hasMessageContaining("stateTimeout must be positive");
    assertThatThrownBy(() -> valid().appId("").build()).hasMessageContaining("appId");
    assertThatThrownBy(() -> AgentSettings.builder().workDir(Path.of("/tmp")).build())
        .hasMessageContaining("backendUrl");
  }
}
