package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One Salt state of a generated SLS file: {@code id: {module.function: [args..., require]}}.
 *
 * @param id the state's ID, unique within the file
 * @param function the state function, e.g. {@code file.managed}
 * @param args the arguments in the order they are written
 * @param require the states that must succeed first
 * @param files arguments whose value is a file in the private file root, by argument name: the
 *     argument is the file's absolute path (see {@link #fileName(String)})
 */
public record SaltState(String id, String function, Map<String, JsonElement> args, List<SaltState> require,
        Map<String, WorkspaceFile> files) {

    public SaltState {
        Objects.requireNonNull(id, "id");
        if (function.indexOf('.') <= 0) {
            throw new IllegalArgumentException("state function must be module.function, got " + function);
        }
        args = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(args));
        require = List.copyOf(require);
        files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
        for (String arg : files.keySet()) {
            if (args.containsKey(arg)) {
                throw new IllegalArgumentException("argument " + arg + " of " + id + " is given both as a value and as a file");
            }
        }
    }

    /** The name, in the private file root, of the file behind argument {@code arg}. */
    public String fileName(String arg) {
        return id + "." + arg;
    }

    /** The Salt state module, e.g. {@code file} for {@code file.managed}: the key of a requisite. */
    public String module() {
        return function.substring(0, function.indexOf('.'));
    }

    public static Builder builder(String id, String function) {
        return new Builder(id, function);
    }

    /** Collects arguments in order; null values are skipped, as the original adaptor dropped them. */
    public static final class Builder {
        private final String id;
        private final String function;
        private final Map<String, JsonElement> args = new LinkedHashMap<>();
        private final List<SaltState> require = new ArrayList<>();
        private final Map<String, WorkspaceFile> files = new LinkedHashMap<>();

        private Builder(String id, String function) {
            this.id = id;
            this.function = function;
        }

        public Builder arg(String name, String value) {
            if (value != null) {
                args.put(name, new JsonPrimitive(value));
            }
            return this;
        }

        public Builder arg(String name, Number value) {
            if (value != null) {
                args.put(name, new JsonPrimitive(value));
            }
            return this;
        }

        public Builder arg(String name, Boolean value) {
            if (value != null) {
                args.put(name, new JsonPrimitive(value));
            }
            return this;
        }

        public Builder arg(String name, JsonElement value) {
            if (value != null) {
                args.put(name, value);
            }
            return this;
        }

        public Builder arg(String name, List<String> values) {
            if (values != null) {
                JsonArray a = new JsonArray();
                values.forEach(a::add);
                args.put(name, a);
            }
            return this;
        }

        /**
         * Argument {@code name} is the path of {@code file} in the private file root, e.g. a
         * {@code source} Salt copies as it is.
         */
        public Builder fileArg(String name, WorkspaceFile file) {
            files.put(name, Objects.requireNonNull(file, "file"));
            return this;
        }

        public Builder require(List<SaltState> states) {
            require.addAll(states);
            return this;
        }

        public SaltState build() {
            return new SaltState(id, function, args, require, files);
        }
    }
}
