package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Python interpreter and module path that run Salt on this host, as {@code salt-call}
 * reports them in its {@code pythonexecutable} and {@code pythonpath} grains (this works for
 * distribution packages, Salt's onedir install and a tree run from source).
 *
 * @param python the interpreter
 * @param path the module path; empty when the interpreter finds Salt on its own
 */
public record SaltInterpreter(Path python, List<String> path) {

    public SaltInterpreter {
        path = List.copyOf(path);
    }

    /** The salt-call arguments that print the two grains as JSON. */
    public static List<String> grainsCommand(Path saltCall, Path configDir) {
        List<String> argv = new ArrayList<>();
        argv.add(saltCall.toString());
        if (configDir != null) {
            argv.add("--config-dir=" + configDir);
        }
        argv.addAll(List.of("--local", "--out=json", "grains.item", "pythonexecutable", "pythonpath"));
        return argv;
    }

    /**
     * Reads what {@link #grainsCommand} printed.
     *
     * @return the interpreter, or empty with {@code problem} filled in saying what was wrong
     */
    public static Optional<SaltInterpreter> fromGrains(String stdout, StringBuilder problem) {
        JsonElement root;
        try {
            root = JsonParser.parseString(stdout == null ? "" : stdout.strip());
        } catch (JsonParseException e) {
            problem.append("salt-call printed grains that are not JSON");
            return Optional.empty();
        }
        JsonElement local = root.isJsonObject() ? root.getAsJsonObject().get("local") : null;
        if (local == null || !local.isJsonObject()) {
            problem.append("salt-call printed no \"local\" grains");
            return Optional.empty();
        }
        JsonObject grains = local.getAsJsonObject();
        JsonElement exe = grains.get("pythonexecutable");
        if (exe == null || !exe.isJsonPrimitive() || !Path.of(exe.getAsString()).isAbsolute()) {
            problem.append("salt-call reported no absolute pythonexecutable grain");
            return Optional.empty();
        }
        return Optional.of(new SaltInterpreter(Path.of(exe.getAsString()), modulePath(grains.get("pythonpath"))));
    }

    /** The non-empty strings of a JSON array (a module path); empty for anything else or null. */
    static List<String> modulePath(JsonElement array) {
        List<String> path = new ArrayList<>();
        if (array != null && array.isJsonArray()) {
            for (JsonElement e : array.getAsJsonArray()) {
                if (e.isJsonPrimitive() && !e.getAsString().isEmpty()) {
                    path.add(e.getAsString());
                }
            }
        }
        return path;
    }

    /** The environment of the worker: salt-call's UTF-8 locale, and {@code PYTHONPATH} when there is a path. */
    public Map<String, String> environment() {
        Map<String, String> env = new java.util.HashMap<>(SaltCommandLine.ENVIRONMENT);
        if (!path.isEmpty()) {
            env.put("PYTHONPATH", String.join(":", path));
        }
        return Map.copyOf(env);
    }
}
