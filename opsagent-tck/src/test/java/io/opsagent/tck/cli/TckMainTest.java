package io.opsagent.tck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TckMainTest {

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  @TempDir Path dir;

  private int run(String... args) {
    return new TckMain().run(List.of(args), out, err);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void noCommandIsAUsageError() {
    assertThat(run()).isEqualTo(1);
    assertThat(err()).contains("no command given").contains("backend");
  }

  @Test
  void unknownCommandIsAUsageError() {
    assertThat(run("frobnicate")).isEqualTo(1);
    assertThat(err()).contains("unknown command: frobnicate");
  }

  @Test
  void helpListsTheCommandsAndExitsWithZero() {
    assertThat(run("help")).isEqualTo(0);
    assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("backend");
    assertThat(run("backend", "--help")).isEqualTo(0);
    assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("--release-waits-after");
  }

  @Test
  void badBackendArgumentsAreReportedWithExitCodeOne() throws IOException {
    Path recipe = Files.writeString(dir.resolve("r.json"), "{\"recipe_version\":1,\"state\":[]}");
    assertThat(run("backend")).isEqualTo(1);
    assertThat(err()).contains("--recipe is required");
    assertThat(run("backend", "--recipe", recipe.toString(), "--port", "70000")).isEqualTo(1);
    assertThat(err()).contains("--port must be in [0, 65535], was 70000");
    assertThat(run("backend", "--recipe", recipe.toString(), "--port")).isEqualTo(1);
    assertThat(err()).contains("--port needs a value");
    assertThat(run("backend", "--recipe", recipe.toString(), "--host", "192.0.2.1")).isEqualTo(1);
    assertThat(err()).contains("--host must be a loopback address");
    assertThat(run("backend", "--recipe", recipe.toString(), "--release-waits-after", "soon"))
        .isEqualTo(1);
    assertThat(err()).contains("--release-waits-after: not a duration: soon");
    assertThat(run("backend", "--recipe", recipe.toString(), "--verbose")).isEqualTo(1);
    assertThat(err()).contains("unknown option: --verbose");
    assertThat(run("backend", "--recipe", dir.resolve("missing.json").toString())).isEqualTo(1);
    assertThat(err()).contains("cannot read --recipe");
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"recipe_version\":0}");
    assertThat(run("backend", "--recipe", bad.toString())).isEqualTo(1);
    assertThat(err()).contains("is not a valid recipe: recipe_version must be a positive integer");
  }

  @Test
  void durationsAcceptShortAndIsoForms() throws UsageException {
    assertThat(BackendCommand.duration("500ms", "--x")).isEqualTo(Duration.ofMillis(500));
    assertThat(BackendCommand.duration("1.5s", "--x")).isEqualTo(Duration.ofMillis(1500));
    assertThat(BackendCommand.duration("2m", "--x")).isEqualTo(Duration.ofMinutes(2));
    assertThat(BackendCommand.duration("PT5S", "--x")).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void backendPushesTheRecipeAfterHandshakeReleasesWaitsAndPrintsFrames() throws Exception {
    Path recipe = Files.writeString(dir.resolve("recipe.json"),
        "{\"code\":\"RecipeMetadata\",\"recipe_version\":3,\"state\":["
            + "{\"id\":\"w1\",\"module\":\"meta.wait\",\"parameter\":{\"state\":[]}}]}");
    BackendCommand.Options options = BackendCommand.parse(
        List.of("--recipe", recipe.toString(), "--port", "0", "--release-waits-after", "50ms"));
    OkHttpClient client = new OkHttpClient();
    try (BackendCommand.Running running =
        BackendCommand.start(options, io.opsagent.tck.backend.Recipe.fromJson(
            Files.readString(recipe)), out)) {
      LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
      LinkedBlockingQueue<Boolean> closed = new LinkedBlockingQueue<>();
      WebSocket socket = client.newWebSocket(
          new Request.Builder().url(running.backend().url().toString()).build(),
          new WebSocketListener() {
            @Override
            public void onMessage(WebSocket webSocket, String text) {
              received.add(text);
            }

            @Override
            public void onClosed(WebSocket webSocket, int code, String reason) {
              closed.add(true);
            }
          });
      JsonObject handshake = new JsonObject();
      handshake.addProperty("code", "Handshake");
      handshake.addProperty("app_id", "app-1");
      socket.send(handshake.toString());

      assertThat(received.poll(5, TimeUnit.SECONDS)).contains("\"RecipeMetadata\"")
          .contains("\"recipe_version\":3");
      assertThat(received.poll(5, TimeUnit.SECONDS))
          .isEqualTo("{\"code\":\"State\",\"recipe_version\":3,\"id\":\"w1\"}");
      socket.close(1000, "done");
      assertThat(closed.poll(5, TimeUnit.SECONDS)).isTrue();
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    assertThat(outBytes.toString(StandardCharsets.UTF_8))
        .contains("<- {\"code\":\"Handshake\",\"app_id\":\"app-1\"}")
        .contains("-> {\"code\":\"State\"");
  }
}
