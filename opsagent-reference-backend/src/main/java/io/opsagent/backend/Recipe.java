package io.opsagent.backend;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.opsagent.backend.internal.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A {@code RecipeMetadata} message: a recipe version and, unless header-only, its ordered states.
 * Immutable.
 *
 * <pre>{@code
 * Recipe recipe = Recipe.version(3)
 *     .cmd("install", "touch /tmp/x")
 *     .comment("note", "nothing runs here")
 *     .waitFor("db-ready")
 *     .build();
 * }</pre>
 */
public final class Recipe {

  /** Module of a state run with {@code sh -c}; parameter {@code cmd}. */
  public static final String LINUX_CMD = "linux.cmd";

  /** Module of a state that is never executed and always reported as a success. */
  public static final String META_COMMENT = "meta.comment";

  /** Module of a state that holds the round until the backend releases it. */
  public static final String META_WAIT = "meta.wait";

  private final long version;
  private final String moduleRepo;
  private final String moduleTag;
  private final List<State> states; // null: header-only

  private Recipe(long version, String moduleRepo, String moduleTag, List<State> states) {
    if (version <= 0) {
      throw new IllegalArgumentException("recipe_version must be a positive integer, was " + version);
    }
    this.version = version;
    this.moduleRepo = moduleRepo;
    this.moduleTag = moduleTag;
    this.states = states == null ? null : List.copyOf(states);
  }

  /** Starts a recipe with the given version; add states, then {@link Builder#build()}. */
  public static Builder version(long version) {
    return new Builder(version);
  }

  /** A header-only recipe: the agent restarts its current states under this version. */
  public static Recipe headerOnly(long version) {
    return new Recipe(version, null, null, null);
  }

  /** A recipe with an empty state list ({@code "state": []}): nothing left to run. */
  public static Recipe empty(long version) {
    return new Recipe(version, null, null, List.of());
  }

  /**
   * Reads a recipe file as {@code opsagent apply} does: a {@code RecipeMetadata} object (its
   * {@code code} may be left out; {@code recipe_version} defaults to 1 and {@code state} to an
   * empty list) or a bare array of states (version 1).
   *
   * @throws IllegalArgumentException with the reason when the text is not such a file
   */
  public static Recipe fromFile(String text) {
    JsonElement element;
    try {
      element = Json.parseStrict(text);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
    }
    JsonObject object;
    if (element.isJsonArray()) {
      object = new JsonObject();
      object.add("state", element);
    } else if (element.isJsonObject()) {
      object = element.getAsJsonObject().deepCopy();
    } else {
      throw new IllegalArgumentException(
          "a recipe file must be a RecipeMetadata object or an array of states");
    }
    if (!object.has("recipe_version")) {
      object.addProperty("recipe_version", 1);
    }
    if (!object.has("state")) {
      object.add("state", new JsonArray());
    }
    return fromJson(object.toString());
  }

  /**
   * Reads a recipe from JSON: a {@code RecipeMetadata} object, with or without its {@code code}.
   *
   * @throws IllegalArgumentException with the reason when the text is not a valid recipe
   */
  public static Recipe fromJson(String text) {
    JsonElement element;
    try {
      element = Json.parseStrict(text);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
    }
    if (!element.isJsonObject()) {
      throw new IllegalArgumentException("a recipe must be a JSON object");
    }
    JsonObject object = element.getAsJsonObject();
    String code = Json.string(object, "code");
    if (object.has("code") && !MessageCodes.RECIPE_METADATA.equals(code)) {
      throw new IllegalArgumentException("code must be \"RecipeMetadata\", was " + object.get("code"));
    }
    Long version = Json.integer(object, "recipe_version");
    if (version == null || version <= 0) {
      throw new IllegalArgumentException(
          "recipe_version must be a positive integer, was " + object.get("recipe_version"));
    }
    String repo = null;
    String tag = null;
    if (object.has("module") && object.get("module").isJsonObject()) {
      repo = Json.string(object.getAsJsonObject("module"), "repo");
      tag = Json.string(object.getAsJsonObject("module"), "tag");
    }
    if (!object.has("state")) {
      return new Recipe(version, repo, tag, null);
    }
    if (!object.get("state").isJsonArray()) {
      throw new IllegalArgumentException("state must be an array");
    }
    List<State> states = new ArrayList<>();
    int index = 0;
    for (JsonElement item : object.getAsJsonArray("state")) {
      if (!item.isJsonObject()) {
        throw new IllegalArgumentException("state[" + index + "] must be an object");
      }
      JsonObject state = item.getAsJsonObject();
      String id = Json.string(state, "id");
      String module = Json.string(state, "module");
      if (id == null || id.isEmpty() || module == null || module.isEmpty() || !state.has("parameter")) {
        throw new IllegalArgumentException(
            "state[" + index + "] needs a string id, a string module and a parameter");
      }
      states.add(new State(id, module, state.get("parameter")));
      index++;
    }
    return new Recipe(version, repo, tag, states);
  }

  public long version() {
    return version;
  }

  /** True when the message carries no {@code state} field at all. */
  public boolean isHeaderOnly() {
    return states == null;
  }

  /** The states in order; empty for a header-only recipe. */
  public List<State> states() {
    return states == null ? List.of() : states;
  }

  /** Ids of the {@code meta.wait} states, in recipe order. */
  public List<String> waitStateIds() {
    List<String> ids = new ArrayList<>();
    for (State state : states()) {
      if (META_WAIT.equals(state.module())) {
        ids.add(state.id());
      }
    }
    return Collections.unmodifiableList(ids);
  }

  /** The {@code RecipeMetadata} message as a JSON object. */
  public JsonObject toJsonObject() {
    JsonObject message = new JsonObject();
    message.addProperty("code", MessageCodes.RECIPE_METADATA);
    message.addProperty("recipe_version", version);
    if (moduleRepo != null || moduleTag != null) {
      JsonObject module = new JsonObject();
      module.addProperty("repo", moduleRepo);
      module.addProperty("tag", moduleTag);
      message.add("module", module);
    }
    if (states != null) {
      JsonArray array = new JsonArray();
      for (State state : states) {
        JsonObject item = new JsonObject();
        item.addProperty("id", state.id());
        item.addProperty("module", state.module());
        item.add("parameter", state.parameter());
        array.add(item);
      }
      message.add("state", array);
    }
    return message;
  }

  /** The {@code RecipeMetadata} message as one JSON text frame. */
  public String toJson() {
    return Json.write(toJsonObject());
  }

  @Override
  public String toString() {
    return toJson();
  }

  /** One state of a recipe. */
  public static final class State {
    private final String id;
    private final String module;
    private final JsonElement parameter;

    public State(String id, String module, JsonElement parameter) {
      this.id = Objects.requireNonNull(id, "id");
      this.module = Objects.requireNonNull(module, "module");
      this.parameter = Objects.requireNonNull(parameter, "parameter").deepCopy();
    }

    public String id() {
      return id;
    }

    public String module() {
      return module;
    }

    /** A copy of the parameter object. */
    public JsonElement parameter() {
      return parameter.deepCopy();
    }

    @Override
    public String toString() {
      return id + " (" + module + ")";
    }
  }

  /** Collects states in order. Not thread-safe. */
  public static final class Builder {
    private final long version;
    private String repo;
    private String tag;
    private final List<State> states = new ArrayList<>();

    private Builder(long version) {
      this.version = version;
    }

    /** Sets the {@code module} field ({@code {repo, tag}}), which the kit's agents ignore. */
    public Builder module(String repo, String tag) {
      this.repo = repo;
      this.tag = tag;
      return this;
    }

    /** Adds a {@code linux.cmd} state running {@code command} with {@code sh -c}. */
    public Builder cmd(String id, String command) {
      JsonObject parameter = new JsonObject();
      parameter.addProperty("cmd", command);
      return state(id, LINUX_CMD, parameter);
    }

    /** Adds a {@code meta.comment} state. */
    public Builder comment(String id, String text) {
      JsonObject parameter = new JsonObject();
      parameter.addProperty("comment", text);
      return state(id, META_COMMENT, parameter);
    }

    /** Adds a {@code meta.wait} state; the backend releases it with {@code State}. */
    public Builder waitFor(String id) {
      JsonObject parameter = new JsonObject();
      parameter.add("state", new JsonArray());
      return state(id, META_WAIT, parameter);
    }

    /** Adds a state of any module. */
    public Builder state(String id, String module, JsonElement parameter) {
      for (State existing : states) {
        if (existing.id().equals(id)) {
          throw new IllegalArgumentException("duplicate state id " + id);
        }
      }
      states.add(new State(id, module, parameter));
      return this;
    }

    public Recipe build() {
      return new Recipe(version, repo, tag, states);
    }
  }
}
