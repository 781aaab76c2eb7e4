package io.opsagent.backend.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/** Strict JSON reading and small field accessors. Internal to the kit. */
public final class Json {

  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
  private static final TypeAdapter<JsonElement> ELEMENTS = GSON.getAdapter(JsonElement.class);

  private Json() {}

  /**
   * Parses one JSON document strictly (RFC 8259: no comments, no single quotes, nothing after
   * the value).
   *
   * @throws JsonParseException with a reason if the text is not exactly one JSON value
   */
  public static JsonElement parseStrict(String text) {
    try (JsonReader reader = new JsonReader(new StringReader(text))) {
      reader.setStrictness(Strictness.STRICT);
      JsonElement element = ELEMENTS.read(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new JsonParseException("data after the JSON value");
      }
      return element;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new JsonParseException(e.getMessage(), e);
    }
  }

  /** Serialises with nulls kept, as the agent and backend exchange them. */
  public static String write(JsonElement element) {
    return GSON.toJson(element);
  }

  /** The string value of a field, or null when absent or not a JSON string. */
  public static String string(JsonObject object, String field) {
    JsonElement value = object.get(field);
    if (value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
      return value.getAsString();
    }
    return null;
  }

  /**
   * The value of a field if it is a JSON integer (digits only, optional minus), else null. Text,
   * booleans, fractions and exponents are not integers here, as in the original agent.
   */
  public static Long integer(JsonObject object, String field) {
    JsonElement value = object.get(field);
    if (value == null || !value.isJsonPrimitive()) {
      return null;
    }
    JsonPrimitive primitive = value.getAsJsonPrimitive();
    if (!primitive.isNumber()) {
      return null;
    }
    String lexical = primitive.getAsString();
    if (!lexical.matches("-?[0-9]{1,18}")) {
      return null;
    }
    return Long.parseLong(lexical);
  }

  /** The value of a field if it is a JSON boolean, else null. */
  public static Boolean bool(JsonObject object, String field) {
    JsonElement value = object.get(field);
    if (value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean()) {
      return value.getAsBoolean();
    }
    return null;
  }
}
