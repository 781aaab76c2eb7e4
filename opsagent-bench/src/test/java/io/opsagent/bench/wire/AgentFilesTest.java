package io.opsagent.bench.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.tck.AgentSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentFilesTest {

  @TempDir Path dir;

  private AgentSettings settings() {
    return AgentSettings.builder()
        .backendUrl(URI.create("ws://127.0.0.1:4321/agent/"))
        .appId("app-bench")
        .instanceId("i-bench")
        .instanceToken("secret-token")
        .roundInterval(Duration.ofSeconds(5))
        .backoff(Duration.ofSeconds(1), Duration.ofMinutes(5))
        .stateTimeout(Duration.ofMinutes(5))
        .reconnect(Duration.ofMillis(50), Duration.ofMillis(50))
        .notReadyRetryPause(Duration.ofMillis(1500))
        .workDir(dir)
        .build();
  }

  @Test
  void configurationNamesTheBackendAndAFixedInstanceId() {
    String config = AgentFiles.config(settings());
    assertThat(config)
        .contains("[userdata]\nws_uri = ws://127.0.0.1:4321/agent/\napp_id = app-bench\n")
        .contains("[network]\ninstance_id = i-bench\n")
        .contains("reconnect_initial = 50ms\n")
        .contains("not_ready_retry = 1500ms\n")
        .contains("[executor]\nkind = native\n")
        .contains("[round]\ninterval = 5s\n")
        .contains("backoff_max = 5m\n")
        .contains("state_timeout = 5m\n")
        .doesNotContain("secret-token");
  }

  @Test
  void durationsUseTheLargestWholeUnit() {
    assertThat(AgentFiles.duration(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(AgentFiles.duration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(AgentFiles.duration(Duration.ofMillis(250))).isEqualTo("250ms");
  }

  @Test
  void configAndTokenAreWrittenOwnerOnly() throws Exception {
    AgentFiles.Written written = AgentFiles.write(settings());
    assertThat(written.config()).isEqualTo(dir.resolve("opsagent.conf"));
    assertThat(written.token()).isEqualTo(dir.resolve("root/etc/opsagent.token"));
    assertThat(Files.readString(written.token())).isEqualTo("secret-token");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written.token())))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written.config())))
        .isEqualTo("rw-------");
  }
}
