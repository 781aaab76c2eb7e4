package io.opsagent.fsm.testutil;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** Parameters for test states, written as JSON text with single quotes for readability. */
public final class Json {

    private Json() {
    }

    /** Parses {@code text} after turning every {@code '} into {@code "}. */
    public static JsonObject obj(String text) {
        return JsonParser.parseString(text.replace('\'', '"')).getAsJsonObject();
    }
}
