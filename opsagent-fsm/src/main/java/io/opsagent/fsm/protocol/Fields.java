package io.opsagent.fsm.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Typed, path-aware access to one JSON object of a frame; every failure names the field's path. */
final class Fields {
    final JsonObject json;
    final String prefix;

    Fields(JsonObject json, String prefix) {
        this.json = json;
        this.prefix = prefix;
    }

    String path(String name) {
        return prefix == null ? name : prefix + "." + name;
    }

    /** Present and not null: an optional field that is null counts as absent. */
    boolean has(String name) {
        return json.has(name) && !json.get(name).isJsonNull();
    }

    private ProtocolException wrong(String name, String expected, JsonElement got) {
        return new ProtocolException(path(name) + ": expected " + expected + ", got " + ProtocolCodec.typeOf(got));
    }

    String code() {
        JsonElement e = required("code");
        if (!isString(e)) {
            throw wrong("code", "a string", e);
        }
        return e.getAsString();
    }

    /** The field's value, which may be JSON null; absent is an error. */
    private JsonElement required(String name) {
        JsonElement e = json.get(name);
        if (e == null) {
            throw new ProtocolException(path(name) + ": required field is missing");
        }
        return e;
    }

    long positiveLong(String name) {
        return integer(name, 1, Long.MAX_VALUE, "a positive integer");
    }

    int positiveInt(String name) {
        return (int) integer(name, 1, Integer.MAX_VALUE, "a positive integer");
    }

    long nonNegativeLong(String name) {
        return integer(name, 0, Long.MAX_VALUE, "a non-negative integer");
    }

    /** A JSON integer literal (no fraction, no exponent) in {@code [min, max]}. */
    private long integer(String name, long min, long max, String expected) {
        JsonElement e = required(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrong(name, expected, e);
        }
        String literal = e.getAsNumber().toString();
        if (literal.indexOf('.') >= 0 || literal.indexOf('e') >= 0 || literal.indexOf('E') >= 0) {
            throw wrong(name, expected, e);
        }
        long value;
        try {
            value = Long.parseLong(literal);
        } catch (NumberFormatException outsideLongRange) {
            throw literal.startsWith("-") ? wrong(name, expected, e) : wrong(name, expected + " no larger than " + max, e);
        }
        if (value < min) {
            throw wrong(name, expected, e);
        }
        if (value > max) {
            throw wrong(name, expected + " no larger than " + max, e);
        }
        return value;
    }

    String nonEmptyString(String name) {
        JsonElement e = required(name);
        if (!isString(e) || e.getAsString().isEmpty()) {
            throw wrong(name, "a non-empty string", e);
        }
        return e.getAsString();
    }

    /** {@code name}, or when it is absent or null, {@code alias} (e.g. {@code id} and {@code stateid}). */
    String nonEmptyStringOrAlias(String name, String alias) {
        if (!has(name) && has(alias)) {
            return nonEmptyString(alias);
        }
        return nonEmptyString(name);
    }

    String optionalString(String name) {
        if (!has(name)) {
            return null;
        }
        JsonElement e = json.get(name);
        if (!isString(e)) {
            throw wrong(name, "a string or null", e);
        }
        return e.getAsString();
    }

    boolean requiredBoolean(String name) {
        JsonElement e = required(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrong(name, "a boolean", e);
        }
        return e.getAsBoolean();
    }

    Boolean optionalBoolean(String name) {
        if (!has(name)) {
            return null;
        }
        JsonElement e = json.get(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrong(name, "a boolean or null", e);
        }
        return e.getAsBoolean();
    }

    Fields object(String name) {
        JsonElement e = required(name);
        if (!e.isJsonObject()) {
            throw wrong(name, "an object", e);
        }
        return new Fields(e.getAsJsonObject(), path(name));
    }

    JsonArray array(String name) {
        JsonElement e = required(name);
        if (!e.isJsonArray()) {
            throw wrong(name, "an array", e);
        }
        return e.getAsJsonArray();
    }

    Fields element(String name, int index, JsonElement e) {
        String where = path(name) + "[" + index + "]";
        if (!e.isJsonObject()) {
            throw new ProtocolException(where + ": expected an object, got " + ProtocolCodec.typeOf(e));
        }
        return new Fields(e.getAsJsonObject(), where);
    }

    List<String> stringList(String name) {
        JsonArray array = array(name);
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonElement e = array.get(i);
            if (!isString(e) || e.getAsString().isEmpty()) {
                throw new ProtocolException(
                        path(name) + "[" + i + "]: expected a non-empty string, got " + ProtocolCodec.typeOf(e));
            }
            out.add(e.getAsString());
        }
        return out;
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }
}
