package io.opsagent.fsm.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The golden frames under {@code src/test/resources/protocol/}, and a key-order-free view of JSON. */
final class Samples {

    private Samples() {}

    /** The text of sample {@code name}, exactly as stored. */
    static String text(String name) {
        try (InputStream in = Samples.class.getResourceAsStream("/protocol/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample named " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code json} written with sorted keys, one member per line: two values are the same JSON
     * exactly when these strings are equal. Key order does not matter; an explicit null differs
     * from an absent key, and numbers are compared as written ({@code 1} is not {@code 1.0}).
     */
    static String canonical(String json) {
        StringBuilder out = new StringBuilder();
        write(JsonParser.parseString(json), "", out);
        return out.toString();
    }

    private static void write(JsonElement e, String indent, StringBuilder out) {
        if (e.isJsonObject()) {
            Map<String, JsonElement> sorted = new TreeMap<>(e.getAsJsonObject().asMap());
            if (sorted.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            List<String> keys = new ArrayList<>(sorted.keySet());
            for (int i = 0; i < keys.size(); i++) {
                out.append(indent).append("  ").append(new JsonPrimitive(keys.get(i))).append(": ");
                write(sorted.get(keys.get(i)), indent + "  ", out);
                out.append(i + 1 < keys.size() ? ",\n" : "\n");
            }
            out.append(indent).append('}');
        } else if (e.isJsonArray()) {
            if (e.getAsJsonArray().isEmpty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                out.append(indent).append("  ");
                write(e.getAsJsonArray().get(i), indent + "  ", out);
                out.append(i + 1 < e.getAsJsonArray().size() ? ",\n" : "\n");
            }
            out.append(indent).append(']');
        } else {
            out.append(e); // null, a boolean, a number as written, or an escaped string
        }
    }
}
