package io.opsagent.fsm.internal.exec;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Typed, validated access to the parameters of one state, the way the wire sends them.
 *
 * <p>Rules shared by every module:
 * <ul>
 *   <li>{@code null}, a missing key and, for optional text parameters, an empty string all mean
 *       "not given"; the caller's default then applies.</li>
 *   <li>Text parameters ({@code line}, {@code text}) accept a JSON string, or a number, which is
 *       taken as its decimal text (uids and timeouts sometimes arrive as numbers).</li>
 *   <li>Every text value, including defaults, goes through {@link TemplateSubstitution} with the
 *       state's original parameters, except the parameters named as secret.</li>
 *   <li>A wrong type or value throws {@link InvalidParameterException} naming the module and the
 *       parameter, for example {@code linux.file: parameter 'mode' must be ...}.</li>
 * </ul>
 * Instances are immutable.
 */
public final class Params {

    private final String module;
    private final JsonObject values;
    private final Map<String, String> substitutions;
    private final Set<String> verbatim;

    private Params(String module, JsonObject values, Set<String> verbatim) {
        this.module = module;
        this.values = values;
        this.verbatim = verbatim;
        this.substitutions = substitutionValues(values);
    }

    /** The parameters of a state of {@code module}. */
    public static Params of(String module, JsonObject parameter) {
        return of(module, parameter, Set.of());
    }

    /**
     * The parameters of a state of {@code module}; the parameters named in {@code verbatim}
     * (secrets such as passwords) are never substituted.
     */
    public static Params of(String module, JsonObject parameter, Set<String> verbatim) {
        Objects.requireNonNull(module, "module");
        return new Params(module, parameter == null ? new JsonObject() : parameter.deepCopy(), Set.copyOf(verbatim));
    }

    public String module() {
        return module;
    }

    /** Whether {@code name} is given (not missing, not null, not an empty string). */
    public boolean has(String name) {
        JsonElement e = values.get(name);
        if (e == null || e.isJsonNull()) {
            return false;
        }
        return !(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && e.getAsString().isEmpty());
    }

    // ---------------------------------------------------------------- text

    /** A required text parameter. */
    public String requiredString(String name) {
        return string(name).orElseThrow(() -> missing(name));
    }

    /** An optional text parameter. */
    public Optional<String> string(String name) {
        if (!has(name)) {
            return Optional.empty();
        }
        return Optional.of(substitute(name, text(name, values.get(name), "a string")));
    }

    /** A text parameter with a default (the default is substituted too). */
    public String string(String name, String defaultValue) {
        return string(name).orElseGet(() -> substitute(name, defaultValue));
    }

    /** A text parameter exactly as sent, with no substitution and no trimming. */
    public Optional<String> rawString(String name) {
        if (!has(name)) {
            return Optional.empty();
        }
        return Optional.of(text(name, values.get(name), "a string"));
    }

    /** A required text parameter that must be an absolute path. */
    public String requiredAbsolutePath(String name) {
        return checkAbsolute(name, requiredString(name));
    }

    /** An optional text parameter that must be an absolute path when given. */
    public Optional<String> absolutePath(String name) {
        return string(name).map(v -> checkAbsolute(name, v));
    }

    /** A required, non-empty list of absolute paths. */
    public List<String> requiredAbsolutePaths(String name) {
        List<String> list = requiredStringList(name);
        list.forEach(v -> checkAbsolute(name, v));
        return list;
    }

    /** An optional list of absolute paths (empty when not given). */
    public List<String> absolutePaths(String name) {
        List<String> list = stringList(name);
        list.forEach(v -> checkAbsolute(name, v));
        return list;
    }

    private String checkAbsolute(String name, String value) {
        if (!value.startsWith("/") || value.indexOf('\0') >= 0) {
            throw invalid(name, "must be an absolute path, got \"" + value + "\"");
        }
        return value;
    }

    // ---------------------------------------------------------------- booleans

    /** A boolean parameter; JSON booleans and the strings {@code true}/{@code false} are accepted. */
    public boolean bool(String name, boolean defaultValue) {
        return optionalBool(name).orElse(defaultValue);
    }

    /** An optional boolean parameter. */
    public Optional<Boolean> optionalBool(String name) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonElement e = values.get(name);
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
        throw invalid(name, "must be a boolean (true or false), got " + describe(e));
    }

    // ---------------------------------------------------------------- numbers

    /** An optional whole number, sent as a JSON number or as a string of digits. */
    public Optional<Long> integer(String name) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonElement e = values.get(name);
        String text = text(name, e, "a whole number").trim();
        try {
            BigDecimal d = new BigDecimal(text);
            return Optional.of(d.longValueExact());
        } catch (NumberFormatException | ArithmeticException ex) {
            throw invalid(name, "must be a whole number, got " + describe(e));
        }
    }

    /** A whole number of at least 1, or the default when not given. */
    public long positiveInteger(String name, long defaultValue) {
        long v = integer(name).orElse(defaultValue);
        if (v < 1) {
            throw invalid(name, "must be at least 1, got " + v);
        }
        return v;
    }

    /** A file mode such as {@code "0644"}; see {@link FileMode}. */
    public FileMode mode(String name, String defaultValue) {
        if (!has(name)) {
            return FileMode.parse(defaultValue).orElseThrow();
        }
        JsonElement e = values.get(name);
        if (e.isJsonPrimitive() && (e.getAsJsonPrimitive().isString() || e.getAsJsonPrimitive().isNumber())) {
            Optional<FileMode> mode = FileMode.parse(substitute(name, e.getAsString()));
            if (mode.isPresent()) {
                return mode.get();
            }
        }
        throw invalid(name, "must be an octal file mode such as \"0644\" (a string or a number), got " + describe(e));
    }

    // ---------------------------------------------------------------- lists

    /**
     * An array parameter of text values; a single string is taken as a one-element list and
     * empty strings are dropped. Empty when not given.
     */
    public List<String> stringList(String name) {
        if (!has(name)) {
            return List.of();
        }
        JsonElement e = values.get(name);
        List<String> out = new ArrayList<>();
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                JsonElement item = a.get(i);
                if (item.isJsonNull()) {
                    continue;
                }
                String s = text(name + "[" + i + "]", item, "a string");
                if (!s.isEmpty()) {
                    out.add(substitute(name, s));
                }
            }
            return List.copyOf(out);
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return List.of(substitute(name, e.getAsString()));
        }
        throw invalid(name, "must be a list of strings, got " + describe(e));
    }

    /** A required, non-empty array parameter of text values. */
    public List<String> requiredStringList(String name) {
        List<String> list = stringList(name);
        if (list.isEmpty()) {
            throw has(name) ? invalid(name, "must list at least one value") : missing(name);
        }
        return list;
    }

    /**
     * A dict parameter. Accepted shapes: the wire's list of {@code {"key": k, "value": v}}
     * objects (a missing or null value is empty); a list of plain strings (keys with empty
     * values); a JSON object of key to value. Entries with an empty key are dropped. Keys are
     * not substituted; values are. Empty when not given.
     */
    public List<KeyValue> keyValues(String name) {
        if (!has(name)) {
            return List.of();
        }
        JsonElement e = values.get(name);
        List<KeyValue> out = new ArrayList<>();
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                JsonElement item = a.get(i);
                String where = name + "[" + i + "]";
                if (item.isJsonNull()) {
                    continue;
                }
                if (item.isJsonPrimitive() && item.getAsJsonPrimitive().isString()) {
                    add(out, item.getAsString(), "");
                } else if (item.isJsonObject()) {
                    JsonObject o = item.getAsJsonObject();
                    JsonElement k = o.get("key");
                    JsonElement v = o.get("value");
                    String key = k == null || k.isJsonNull() ? "" : text(where + ".key", k, "a string");
                    String value = v == null || v.isJsonNull() ? "" : text(where + ".value", v, "a string");
                    add(out, key, substitute(name, value));
                } else {
                    throw invalid(where, "must be an object {\"key\": ..., \"value\": ...}, got " + describe(item));
                }
            }
            return List.copyOf(out);
        }
        if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> entry : e.getAsJsonObject().entrySet()) {
                JsonElement v = entry.getValue();
                String value = v.isJsonNull() ? "" : text(name + "." + entry.getKey(), v, "a string");
                add(out, entry.getKey(), substitute(name, value));
            }
            return List.copyOf(out);
        }
        throw invalid(name, "must be a list of {\"key\": ..., \"value\": ...} objects, got " + describe(e));
    }

    /** A required, non-empty dict parameter. */
    public List<KeyValue> requiredKeyValues(String name) {
        List<KeyValue> list = keyValues(name);
        if (list.isEmpty()) {
            throw has(name) ? invalid(name, "must list at least one entry") : missing(name);
        }
        return list;
    }

    // ---------------------------------------------------------------- errors

    /** An error about parameter {@code name}: "module: parameter 'name' problem". */
    public InvalidParameterException invalid(String name, String problem) {
        return new InvalidParameterException(module + ": parameter '" + name + "' " + problem);
    }

    private InvalidParameterException missing(String name) {
        return new InvalidParameterException(module + ": missing required parameter '" + name + "'");
    }

    // ---------------------------------------------------------------- helpers

    private static void add(List<KeyValue> out, String key, String value) {
        String k = key.trim();
        if (!k.isEmpty()) {
            out.add(new KeyValue(k, value));
        }
    }

    private String text(String name, JsonElement e, String expected) {
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isString()) {
                return p.getAsString();
            }
            if (p.isNumber()) {
                return p.getAsBigDecimal().toPlainString();
            }
        }
        throw invalid(name, "must be " + expected + ", got " + describe(e));
    }

    private String substitute(String name, String value) {
        if (value == null || verbatim.contains(name)) {
            return value;
        }
        return TemplateSubstitution.apply(value, substitutions);
    }

    private static Map<String, String> substitutionValues(JsonObject values) {
        Map<String, String> map = new HashMap<>();
        for (Map.Entry<String, JsonElement> entry : values.entrySet()) {
            JsonElement v = entry.getValue();
            if (v.isJsonPrimitive() && !v.getAsJsonPrimitive().isBoolean()) {
                JsonPrimitive p = v.getAsJsonPrimitive();
                map.put(entry.getKey(), p.isNumber() ? p.getAsBigDecimal().toPlainString() : p.getAsString());
            }
        }
        return Map.copyOf(map);
    }

    /** A short description of a JSON value for error messages: its type and, when short, the value. */
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
}
