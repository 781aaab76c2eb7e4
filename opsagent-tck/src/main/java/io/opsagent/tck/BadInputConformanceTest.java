package io.opsagent.tck;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.opsagent.backend.BackendTimeoutException;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The conformance tests of SPEC.md section R6, bad input: one test per testable rule of the
 * section, against the agent that {@link #createAgent()} returns. Extend it in a test source set,
 * like the class of every other section ({@link Rule.Section#conformanceTest()}), and return a
 * fresh adapter for every test (SPEC.md, "Running the kit").
 */
public abstract class BadInputConformanceTest extends ConformanceTestBase {

  @Test
  @Tag("required")
  public void required_R6_1_malformedFramesAreDroppedAndConnectionStays() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1).cmd("bad-s1", scratch.append("s1.runs", "run")).waitFor("bad-w2")
            .build());
    awaitLogs(1, "state bad-s1 to run");

    for (String garbage : List.of(
        "this is not JSON",
        "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"bad-w2\"",
        "{'code':'State','recipe_version':1,'id':'bad-w2'}",
        "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"bad-w2\"} trailing",
        "[{\"code\":\"State\",\"recipe_version\":1,\"id\":\"bad-w2\"}]",
        "\"RecipeMetadata\"",
        "42",
        "null",
        "{}",
        "{\"code\":17}",
        "{\"code\":\"NoSuchMessage\",\"recipe_version\":1,\"id\":\"bad-w2\"}")) {
      sendOnOpenConnection(garbage, () -> backend.sendText(garbage));
    }
    String binary = "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"bad-w2\"}";
    sendOnOpenConnection("a binary frame",
        () -> backend.sendBinary(binary.getBytes(StandardCharsets.UTF_8)));

    expectNoNewLogs(1, "malformed frames must be dropped without any effect");
    check(backend.connections().size() == 1 && backend.connections().get(0).isOpen(),
        "the connection must stay open after malformed frames: %s", backend.connections());
    check(scratch.lineCount("s1.runs") == 1, "malformed frames restarted the round");
    backend.releaseWait(1, "bad-w2");
    awaitLog(l -> "bad-w2".equals(l.id()) && Long.valueOf(1).equals(l.recipeVersion()),
        "a valid release after the malformed frames: the agent must still hold recipe 1");
  }

  @Test
  @Tag("required")
  public void required_R6_2_messagesWithInvalidFieldsAreRejectedWhole() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1).cmd("inv-s1", scratch.append("s1.runs", "run")).waitFor("inv-w2")
            .build());
    awaitLogs(1, "state inv-s1 to run");

    String item = "{\"id\":\"inv-x\",\"module\":\"linux.cmd\",\"parameter\":{\"cmd\":\""
        + scratch.touch("x.ran") + "\"}}";
    for (String invalid : List.of(
        recipeText("\"2\"", "[" + item + "]"),
        recipeText("0", "[" + item + "]"),
        recipeText("-3", "[" + item + "]"),
        recipeText("2.5", "[" + item + "]"),
        recipeText("true", "[" + item + "]"),
        "{\"code\":\"RecipeMetadata\",\"state\":[" + item + "]}",
        recipeText("2", "[" + item + ",{\"id\":\"inv-y\",\"module\":\"linux.cmd\"}]"),
        recipeText("2", "[" + item + ",{\"module\":\"linux.cmd\",\"parameter\":{}}]"),
        recipeText("2", "[" + item + ",\"not an object\"]"),
        recipeText("2", item),
        "{\"code\":\"State\",\"recipe_version\":1}",
        "{\"code\":\"State\",\"recipe_version\":1,\"id\":5}",
        "{\"code\":\"State\",\"recipe_version\":\"1\",\"id\":\"inv-w2\"}",
        "{\"code\":\"State\",\"id\":\"inv-w2\"}",
        "{\"code\":\"WaitList\",\"recipe_version\":1,\"waited\":\"inv-w2\"}")) {
      sendOnOpenConnection(invalid, () -> backend.sendText(invalid));
    }

    expectNoNewLogs(1, "messages with invalid fields must be rejected without any effect");
    check(!scratch.exists("x.ran"), "a state of an invalid recipe ran");
    check(scratch.lineCount("s1.runs") == 1, "an invalid message restarted the round");
    backend.releaseWait(1, "inv-w2");
    awaitLog(l -> "inv-w2".equals(l.id()) && Long.valueOf(1).equals(l.recipeVersion()),
        "a valid release after the invalid messages: the agent must still hold recipe 1");
  }

  @Test
  @Tag("required")
  public void required_R6_3_unknownFieldsAreIgnored() {
    startAndConnect(settings().build());
    JsonObject recipe =
        Recipe.version(1).cmd("unk-s1", scratch.touch("s1.done")).waitFor("unk-w2").build()
            .toJsonObject();
    recipe.addProperty("_", "a note for humans");
    JsonObject future = new JsonObject();
    future.addProperty("a", 1);
    recipe.add("future_field", future);
    for (var element : recipe.getAsJsonArray("state")) {
      element.getAsJsonObject().addProperty("_", "per-state note");
      element.getAsJsonObject().add("extra", new JsonArray());
    }
    backend.sendText(Json.write(recipe));
    awaitLog(l -> "unk-s1".equals(l.id()), "the recipe with unknown fields to run");

    backend.sendText(
        "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"unk-w2\",\"released_by\":\"tck\"}");
    awaitLog(l -> "unk-w2".equals(l.id()), "a State with an unknown field to release unk-w2");
  }

  @Test
  public void optional_R6_4_stateidIsAcceptedAsAliasOfId() {
    startAndConnect(settings().build());
    backend.pushRecipe(Recipe.version(1).waitFor("alias-w1").cmd("alias-s2", "true").build());
    backend.sendText("{\"code\":\"State\",\"recipe_version\":1,\"stateid\":\"alias-w1\"}");

    try {
      backend.awaitStateLog("for alias-w1", l -> "alias-w1".equals(l.id()), env.signalTimeout());
    } catch (BackendTimeoutException e) {
      skipOptional("a State naming the wait state with stateid did not release it");
    }
  }

  // ======================================================================== helpers

  /**
   * Sends one bad frame; an agent that already closed the connection over an earlier one fails
   * the rule here (the backend has no connection left to send on).
   */
  private void sendOnOpenConnection(String frame, Runnable send) {
    try {
      send.run();
    } catch (IllegalStateException e) {
      throw new AssertionError("the connection must stay open after malformed frames and"
          + " messages with invalid fields, but the agent closed it before " + frame + " could"
          + " be sent: " + backend.connections(), e);
    }
  }

  private static String recipeText(String version, String states) {
    return "{\"code\":\"RecipeMetadata\",\"recipe_version\":" + version + ",\"state\":" + states
        + "}";
  }
}
