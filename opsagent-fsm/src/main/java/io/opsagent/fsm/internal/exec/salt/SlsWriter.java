package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes Salt states as one SLS file in the {@code #!json} form: the first line selects Salt's
 * JSON renderer alone (no Jinja pass, so {@code {{ }}} in contents stays literal and values keep
 * their JSON types), then one object
 * {@code {"<id>": {"<module>.<function>": [{"<arg>": value}, ..., {"require": [{"<module>": "<id>"}]}]}}}.
 * Characters outside ASCII are written as {@code \\uXXXX} escapes, so the file reads the same
 * under any locale. An argument backed by a file ({@link SaltState#files()}) is written as that
 * file's absolute path in the file root, after the state's other arguments.
 */
final class SlsWriter {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private SlsWriter() {
    }

    /**
     * The text of the SLS file holding {@code states}, whose files are in {@code fileRoot} (an
     * absolute path), in order: one state per block, one
     * argument per line, e.g.
     * <pre>
     * #!json
     * {
     *   "vops_s1_main": {"file.managed": [
     *     {"name": "/etc/motd"},
     *     {"mode": "0644"}]}
     * }
     * </pre>
     */
    static String render(List<SaltState> states, Path fileRoot) {
        Set<String> ids = new HashSet<>();
        StringBuilder b = new StringBuilder("#!json\n{\n");
        for (int i = 0; i < states.size(); i++) {
            SaltState s = states.get(i);
            if (!ids.add(s.id())) {
                throw new IllegalArgumentException("duplicate Salt state id " + s.id());
            }
            List<JsonObject> args = new ArrayList<>();
            for (Map.Entry<String, JsonElement> arg : s.args().entrySet()) {
                JsonObject o = new JsonObject();
                o.add(arg.getKey(), arg.getValue());
                args.add(o);
            }
            for (String fileArg : s.files().keySet()) {
                JsonObject o = new JsonObject();
                o.addProperty(fileArg, fileRoot.resolve(s.fileName(fileArg)).toString());
                args.add(o);
            }
            if (!s.require().isEmpty()) {
                JsonArray require = new JsonArray();
                for (SaltState r : s.require()) {
                    JsonObject o = new JsonObject();
                    o.addProperty(r.module(), r.id());
                    require.add(o);
                }
                JsonObject o = new JsonObject();
                o.add("require", require);
                args.add(o);
            }
            b.append("  ").append(GSON.toJson(s.id())).append(": {").append(GSON.toJson(s.function())).append(": [");
            for (int a = 0; a < args.size(); a++) {
                b.append("\n    ").append(inline(args.get(a)));
                if (a < args.size() - 1) {
                    b.append(',');
                }
            }
            b.append("]}").append(i < states.size() - 1 ? ",\n" : "\n");
        }
        b.append("}\n");
        return asciiOnly(b.toString());
    }

    /** JSON on one line, with a space after every {@code :} and {@code ,} between elements. */
    private static String inline(JsonElement e) {
        if (e.isJsonObject()) {
            List<String> members = new ArrayList<>();
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                members.add(GSON.toJson(m.getKey()) + ": " + inline(m.getValue()));
            }
            return "{" + String.join(", ", members) + "}";
        }
        if (e.isJsonArray()) {
            List<String> items = new ArrayList<>();
            for (JsonElement item : e.getAsJsonArray()) {
                items.add(inline(item));
            }
            return "[" + String.join(", ", items) + "]";
        }
        return GSON.toJson(e);
    }

    private static String asciiOnly(String json) {
        StringBuilder b = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c < 0x80) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }
}
