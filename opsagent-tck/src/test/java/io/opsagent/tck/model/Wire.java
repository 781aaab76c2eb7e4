package io.opsagent.tck.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/** The model agent's own JSON reading and writing (kept apart from the kit's backend code). */
final class Wire {

  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
  private static final TypeAdapter<JsonElement> ELEMENTS = GSON.getAdapter(JsonElement.class);

  private Wire() {}

  /** The frame as a JSON object, or null when it is not exactly one strict JSON object. */
  static JsonObject parseObject(String text) {
    try (JsonReader reader = new JsonReader(new StringReader(text))) {
      reader.setStrictness(Strictness.STRICT);
      JsonElement element = ELEMENTS.read(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT || element == null || !element.isJsonObject()) {
        return null;
      }
      return element.getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static String write(JsonObject object) {
    return GSON.toJson(object);
  }

  static String string(JsonObject object, String field) {
    JsonElement value = object.get(field);
    return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()
        ? value.getAsString()
        : null;
  }

  /** A positive JSON integer (digits only), else null. */
  static Long positiveInteger(JsonObject object, String field) {
    JsonElement value = object.get(field);
    if (value == null || !value.isJsonPrimitive()) {
      return null;
    }
    JsonPrimitive primitive = value.getAsJsonPrimitive();
    if (!primitive.isNumber() || !primitive.getAsString().matches("[0-9]{1,18}")) {
      return null;
    }
    long number = Long.parseLong(primitive.getAsString());
    return number > 0 ? number : null;
  }
}
