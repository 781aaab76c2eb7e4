package io.opsagent.fsm.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The parameters of one recipe state: a read-only JSON object with typed accessors.
 *
 * <p>Rules every accessor follows:
 * <ul>
 *   <li>{@code null}, a missing key and an empty string all mean "not given" ({@link #has}).</li>
 *   <li>Text accepts a JSON string, or a number, taken as its plain decimal text (ids and
 *       timeouts sometimes arrive as numbers). Values are returned exactly as sent, untrimmed.</li>
 *   <li>A wrong type throws an {@link InvalidParameterException} that names the state and the
 *       key and says what was expected and found, for example {@code state 'web-conf'
 *       (linux.file): parameter 'mode' must be a string, got boolean true}.</li>
 * </ul>
 *
 * <p>Instances are immutable and safe to share. {@link RecipeState#parameters()} gives the
 * parameters of a state; {@link #parse}, {@link #of} and {@link #empty} make new ones.
 */
public final class StateParameters {

    private static final StateParameters EMPTY = new StateParameters(new JsonObject(), null);

    private final JsonObject values;
    private final String subject;

    private StateParameters(JsonObject values, String subject) {
        this.values = values;
        this.subject = subject;
    }

    /** No parameters. */
    public static StateParameters empty() {
        return EMPTY;
    }

    /**
     * Parameters from the JSON text of an object, e.g. {@code {"path": "/etc/motd"}}.
     *
     * @throws IllegalArgumentException when {@code json} is not valid JSON or not an object
     */
    public static StateParameters parse(String json) {
        Objects.requireNonNull(json, "json");
        JsonElement tree;
        try {
            tree = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("parameters are not valid JSON: " + e.getMessage(), e);
        }
        if (!tree.isJsonObject()) {
            throw new IllegalArgumentException("parameters must be a JSON object, got " + describe(tree));
        }
        return new StateParameters(tree.getAsJsonObject(), null);
    }

    /**
     * Parameters from Java values: each is null, a {@link String}, {@link Number}, {@link Boolean},
     * a {@link Collection} or a {@link Map} with string keys of such values. The map's iteration
     * order is kept.
     *
     * @throws IllegalArgumentException naming the key of a value of any other type
     */
    public static StateParameters of(Map<String, ?> values) {
        Objects.requireNonNull(values, "values");
        return new StateParameters(object(values, ""), null);
    }

    /** Parameters parsed from text the codec has already checked to be a JSON object. */
    static StateParameters ofCheckedJson(String json, String subject) {
        return new StateParameters(JsonParser.parseString(json).getAsJsonObject(), subject);
    }

    /**
     * The same parameters, with errors that begin with {@code subject} (for example the module
     * name) instead of the state's.
     */
    public StateParameters withSubject(String subject) {
        return new StateParameters(values, Objects.requireNonNull(subject, "subject"));
    }

    /** The compact JSON text of the parameters (an object). */
    public String json() {
        return values.toString();
    }

    /** The compact JSON text of parameter {@code key} as sent, whatever its type; empty when missing. */
    public Optional<String> json(String key) {
        JsonElement e = values.get(key);
        return e == null ? Optional.empty() : Optional.of(e.toString());
    }

    /** The keys, in the order they were sent. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(values.keySet()));
    }

    /** Whether there are no parameters at all. */
    public boolean isEmpty() {
        return values.size() == 0;
    }

    /** Whether {@code key} is given: not missing, not null, not an empty string. */
    public boolean has(String key) {
        JsonElement e = values.get(key);
        if (e == null || e.isJsonNull()) {
            return false;
        }
        return !(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && e.getAsString().isEmpty());
    }

    // ---------------------------------------------------------------- text

    /** A text parameter; empty when not given. */
    public Optional<String> string(String key) {
        return has(key) ? Optional.of(text(key, values.get(key), "a string")) : Optional.empty();
    }

    /** A text parameter that must be given. */
    public String requiredString(String key) {
        return string(key).orElseThrow(() -> missing(key));
    }

    /** A text parameter, or {@code defaultValue} when not given. */
    public String string(String key, String defaultValue) {
        return string(key).orElse(defaultValue);
    }

    /**
     * Every parameter sent as a string or a number, as its text; booleans, lists, objects and
     * nulls are left out. These are the values a {@code $name} template in another parameter
     * can refer to.
     */
    public Map<String, String> textValues() {
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : values.entrySet()) {
            JsonElement v = entry.getValue();
            if (v.isJsonPrimitive() && !v.getAsJsonPrimitive().isBoolean()) {
                map.put(entry.getKey(), plainText(v.getAsJsonPrimitive()));
            }
        }
        return Collections.unmodifiableMap(map);
    }

    // ---------------------------------------------------------------- booleans and numbers

    /** A boolean parameter: a JSON boolean or the text {@code true}/{@code false} (any case); empty when not given. */
    public Optional<Boolean> bool(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonElement e = values.get(key);
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isBoolean()) {
                return Optional.of(p.getAsBoolean());
            }
            if (p.isString()) {
                String s = p.getAsString().trim().toLowerCase(Locale.ROOT);
                if (s.equals("true")) {
                    return Optional.of(true);
                }
                if (s.equals("false")) {
                    return Optional.of(false);
                }
            }
        }
        throw invalid(key, "must be a boolean (true or false), got " + describe(e));
    }

    /** A boolean parameter, or {@code defaultValue} when not given. */
    public boolean bool(String key, boolean defaultValue) {
        return bool(key).orElse(defaultValue);
    }

    /** A whole number, sent as a JSON number or as text of digits; empty when not given. */
    public Optional<Long> integer(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonElement e = values.get(key);
        String text = text(key, e, "a whole number").trim();
        try {
            return Optional.of(new BigDecimal(text).longValueExact());
        } catch (NumberFormatException | ArithmeticException ex) {
            throw invalid(key, "must be a whole number, got " + describe(e));
        }
    }

    /** A whole number, or {@code defaultValue} when not given. */
    public long integer(String key, long defaultValue) {
        return integer(key).orElse(defaultValue);
    }

    // ---------------------------------------------------------------- lists

    /**
     * A list of text values: a JSON array of strings or numbers, or a single string taken as a
     * list of one. Nulls and empty strings in the array are dropped. Empty when not given.
     */
    public List<String> stringList(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonElement e = values.get(key);
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            List<String> out = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                JsonElement item = a.get(i);
                if (!item.isJsonNull()) {
                    String s = text(key + "[" + i + "]", item, "a string");
                    if (!s.isEmpty()) {
                        out.add(s);
                    }
                }
            }
            return List.copyOf(out);
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return List.of(e.getAsString());
        }
        throw invalid(key, "must be a list of strings, got " + describe(e));
    }

    /** A list of text values that must be given and hold at least one value. */
    public List<String> requiredStringList(String key) {
        List<String> list = stringList(key);
        if (list.isEmpty()) {
            throw has(key) ? invalid(key, "must list at least one value") : missing(key);
        }
        return list;
    }

    /**
     * A dict parameter, as key-value entries in the order sent. Accepted shapes: the wire's list
     * of {@code {"key": k, "value": v}} objects (a missing or null value is empty); a list of
     * plain strings (keys with empty values); a JSON object of key to value. Keys are trimmed and
     * entries with an empty key dropped. Empty when not given.
     */
    public List<Map.Entry<String, String>> keyValues(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonElement e = values.get(key);
        List<Map.Entry<String, String>> out = new ArrayList<>();
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                JsonElement item = a.get(i);
                String where = key + "[" + i + "]";
                if (item.isJsonNull()) {
                    continue;
                }
                if (item.isJsonPrimitive() && item.getAsJsonPrimitive().isString()) {
                    entry(out, item.getAsString(), "");
                } else if (item.isJsonObject()) {
                    JsonObject o = item.getAsJsonObject();
                    JsonElement k = o.get("key");
                    JsonElement v = o.get("value");
                    String name = k == null || k.isJsonNull() ? "" : text(where + ".key", k, "a string");
                    String value = v == null || v.isJsonNull() ? "" : text(where + ".value", v, "a string");
                    entry(out, name, value);
                } else {
                    throw invalid(where, "must be an object {\"key\": ..., \"value\": ...}, got " + describe(item));
                }
            }
            return List.copyOf(out);
        }
        if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                JsonElement v = m.getValue();
                entry(out, m.getKey(), v.isJsonNull() ? "" : text(key + "." + m.getKey(), v, "a string"));
            }
            return List.copyOf(out);
        }
        throw invalid(key, "must be a list of {\"key\": ..., \"value\": ...} objects, got " + describe(e));
    }

    /** A dict parameter that must be given and hold at least one entry. */
    public List<Map.Entry<String, String>> requiredKeyValues(String key) {
        List<Map.Entry<String, String>> list = keyValues(key);
        if (list.isEmpty()) {
            throw has(key) ? invalid(key, "must list at least one entry") : missing(key);
        }
        return list;
    }

    // ---------------------------------------------------------------- errors

    /**
     * An error about parameter {@code key} in the accessors' words: {@code <subject>: parameter
     * 'key' <problem>}, for checks of one's own (a path that must be absolute, a number that must
     * be positive).
     */
    public InvalidParameterException invalid(String key, String problem) {
        return new InvalidParameterException(prefix() + "parameter '" + key + "' " + problem);
    }

    /** An error about a required parameter that is not given. */
    public InvalidParameterException missing(String key) {
        return new InvalidParameterException(prefix() + "missing required parameter '" + key + "'");
    }

    /**
     * How the value of {@code key} is named in error messages: its type and, when short, the
     * value ({@code boolean true}, {@code string "x"}, {@code a list of 2}, {@code an object},
     * {@code null}).
     */
    public String describe(String key) {
        return describe(values.get(key));
    }

    private String prefix() {
        return subject == null ? "" : subject + ": ";
    }

    // ---------------------------------------------------------------- value semantics

    /** Equal when the JSON objects are equal, key order aside; the subject of errors does not count. */
    @Override
    public boolean equals(Object o) {
        return o instanceof StateParameters p && values.equals(p.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** The compact JSON text. */
    @Override
    public String toString() {
        return json();
    }

    // ---------------------------------------------------------------- helpers

    private static void entry(List<Map.Entry<String, String>> out, String key, String value) {
        String k = key.trim();
        if (!k.isEmpty()) {
            out.add(Map.entry(k, value));
        }
    }

    private String text(String key, JsonElement e, String expected) {
        if (e.isJsonPrimitive() && !e.getAsJsonPrimitive().isBoolean()) {
            return plainText(e.getAsJsonPrimitive());
        }
        throw invalid(key, "must be " + expected + ", got " + describe(e));
    }

    private static String plainText(JsonPrimitive p) {
        return p.isNumber() ? p.getAsBigDecimal().toPlainString() : p.getAsString();
    }

    static String describe(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonArray()) {
            return "a list of " + e.getAsJsonArray().size();
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        String kind = p.isBoolean() ? "boolean" : p.isNumber() ? "number" : "string";
        String text = p.toString();
        if (text.length() > 40) {
            text = text.substring(0, 37) + "...";
        }
        return kind + " " + text;
    }

    private static JsonObject object(Map<?, ?> map, String path) {
        JsonObject o = new JsonObject();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String key)) {
                throw new IllegalArgumentException("parameter " + (path.isEmpty() ? "" : "'" + path + "' ")
                        + "has a key that is not a string: " + entry.getKey());
            }
            String where = path.isEmpty() ? key : path + "." + key;
            o.add(key, element(entry.getValue(), where));
        }
        return o;
    }

    private static JsonElement element(Object value, String path) {
        if (value == null) {
            return JsonNull.INSTANCE;
        }
        if (value instanceof String s) {
            return new JsonPrimitive(s);
        }
        if (value instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (value instanceof Number n) {
            if (n instanceof Double d && (d.isNaN() || d.isInfinite())
                    || n instanceof Float f && (f.isNaN() || f.isInfinite())) {
                throw new IllegalArgumentException("parameter '" + path + "' is " + n + ", which JSON cannot carry");
            }
            return new JsonPrimitive(n instanceof BigInteger || n instanceof BigDecimal ? n : new BigDecimal(n.toString()));
        }
        if (value instanceof Map<?, ?> m) {
            return object(m, path);
        }
        if (value instanceof Collection<?> c) {
            JsonArray a = new JsonArray(c.size());
            int i = 0;
            for (Object item : c) {
                a.add(element(item, path + "[" + i++ + "]"));
            }
            return a;
        }
        throw new IllegalArgumentException("parameter '" + path + "' is a " + value.getClass().getName()
                + "; a parameter value must be null, a String, Number, Boolean, Collection or Map");
    }
}
