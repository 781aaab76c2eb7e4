package io.opsagent.backend.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

class BackendCommandTest {

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  @TempDir Path dir;

  private int run(String... args) {
    return new BackendCommand().run(List.of(args), out, err);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpPrintsTheOptionsAndExitsWithZero() {
    assertThat(run("--help")).isEqualTo(0);
    assertThat(outBytes.toString(StandardCharsets.UTF_8))
        .contains("Usage: java -jar opsagent-reference-backend.jar")
        .contains("--recipe=FILE", "--release-waits-after=DURATION", "--app-not-ready=N")
        .contains("(default 9000)", "(default 127.0.0.1)");
    assertThat(err()).isEmpty();
  }

  @Test
  void versionPrintsTheVersionAndTheJavaItRunsOn() {
    assertThat(run("--version")).isEqualTo(0);
    assertThat(outBytes.toString(StandardCharsets.UTF_8))
        .startsWith("version ")
        .contains("Java " + System.getProperty("java.runtime.version"));
  }

  @Test
  void badBackendArgumentsAreReportedWithExitCodeOne() throws IOException {
    Path recipe = Files.writeString(dir.resolve("r.json"), "{\"recipe_version\":1,\"state\":[]}");
    assertThat(run()).isEqualTo(1);
    assertThat(err()).contains("Missing required option: '--recipe=FILE'")
        .contains("Usage: java -jar opsagent-reference-backend.jar");
    assertThat(run("--recipe", recipe.toString(), "--port", "70000")).isEqualTo(1);
    assertThat(err()).contains("--port must be in [0, 65535], was 70000");
    assertThat(run("--recipe", recipe.toString(), "--port")).isEqualTo(1);
    assertThat(err()).contains("Missing required parameter for option '--port' (N)");
    assertThat(run("--recipe", recipe.toString(), "--host", "192.0.2.1")).isEqualTo(1);
    assertThat(err()).contains("Invalid value for option '--host': must be a loopback address");
    assertThat(run("--recipe", recipe.toString(), "--release-waits-after", "soon"))
        .isEqualTo(1);
    assertThat(err()).contains(
        "Invalid value for option '--release-waits-after': not a duration: 'soon'");
    assertThat(run("--recipe", recipe.toString(), "--verbose")).isEqualTo(1);
    assertThat(err()).contains("Unknown option: '--verbose'");
    assertThat(run("--recipe", dir.resolve("missing.json").toString())).isEqualTo(1);
    assertThat(err()).contains("cannot read --recipe");
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"recipe_version\":0}");
    assertThat(run("--recipe", bad.toString())).isEqualTo(1);
    assertThat(err()).contains("is not a valid recipe: recipe_version must be a positive integer");
  }

  @Test
  void recipeFilesAreReadAsApplyReadsThem() throws Exception {
    Path bare = Files.writeString(dir.resolve("bare.json"),
        "[{\"id\":\"n\",\"module\":\"meta.comment\",\"parameter\":{}}]");
    io.opsagent.backend.Recipe fromArray = BackendCommand.readRecipe(bare);
    assertThat(fromArray.version()).isEqualTo(1);
    assertThat(fromArray.states()).extracting(io.opsagent.backend.Recipe.State::id)
        .containsExactly("n");

    Path noVersion = Files.writeString(dir.resolve("object.json"),
        "{\"state\":[{\"id\":\"a\",\"module\":\"meta.comment\",\"parameter\":{}}]}");
    assertThat(BackendCommand.readRecipe(noVersion).version()).isEqualTo(1);
    Path noStates = Files.writeString(dir.resolve("empty.json"), "{\"recipe_version\":4}");
    assertThat(BackendCommand.readRecipe(noStates).states()).isEmpty();
    assertThat(BackendCommand.readRecipe(noStates).isHeaderOnly()).isFalse();

    // The examples shipped for `opsagent apply` and `opsagent demo` are accepted as they are.
    try (var examples = Files.list(Path.of("..", "config", "examples"))) {
      List<Path> recipes = examples.filter(p -> p.toString().endsWith(".json")).toList();
      assertThat(recipes).isNotEmpty();
      for (Path recipe : recipes) {
        assertThat(BackendCommand.readRecipe(recipe).states()).as(recipe.toString()).isNotEmpty();
      }
    }
  }

  @Test
  void aRecipeFileOfAnotherShapeIsRefusedWithTheReason() throws IOException {
    Path scalar = Files.writeString(dir.resolve("scalar.json"), "\"state\"");
    assertThat(run("--recipe", scalar.toString())).isEqualTo(1);
    assertThat(err()).contains(
        "is not a valid recipe: a recipe file must be a RecipeMetadata object or an array of states");
    Path badState = Files.writeString(dir.resolve("bad-state.json"), "[{\"id\":\"x\"}]");
    assertThat(run("--recipe", badState.toString())).isEqualTo(1);
    assertThat(err()).contains("state[0] needs a string id, a string module and a parameter");
  }

  @Test
  void durationsAcceptShortAndIsoFormsAndRefuseNegativeOnes() {
    assertThat(ShortDuration.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ShortDuration.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(ShortDuration.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(ShortDuration.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(ShortDuration.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> ShortDuration.parse("-PT5S"))
        .hasMessage("must not be negative, was '-PT5S'");
    assertThatThrownBy(() -> ShortDuration.parse("5 s"))
        .hasMessage("not a duration: '5 s' (use 500ms, 5s, 1m or PT5S)");
  }

  @Test
  void appNotReadyMustNotBeNegative() throws IOException {
    Path recipe = Files.writeString(dir.resolve("r.json"), "{\"recipe_version\":1,\"state\":[]}");
    assertThat(run("--recipe", recipe.toString(), "--app-not-ready", "-1")).isEqualTo(1);
    assertThat(err()).contains("--app-not-ready must not be negative, was -1");
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
        BackendCommand.start(options, io.opsagent.backend.Recipe.fromJson(
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
