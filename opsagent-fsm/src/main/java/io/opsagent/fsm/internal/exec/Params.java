package io.opsagent.fsm.internal.exec;

import io.opsagent.fsm.protocol.InvalidParameterException;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateParameters;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the built-in and Salt executors read from a state's parameters: the typed values of
 * {@link StateParameters}, with the executors' own rules on top.
 *
 * <ul>
 *   <li>{@code null}, a missing key and, for optional text parameters, an empty string all mean
 *       "not given"; the caller's default then applies.</li>
 *   <li>Text parameters accept a JSON string, or a number, which is taken as its decimal text
 *       (uids and timeouts sometimes arrive as numbers).</li>
 *   <li>Every text value, including defaults, goes through {@link TemplateSubstitution} with the
 *       state's original parameters, except the parameters named as secret.</li>
 *   <li>A wrong type or value throws {@link InvalidParameterException} naming the module and the
 *       parameter, for example {@code linux.file: parameter 'mode' must be ...}: the state is
 *       named by the StateLog the message goes into.</li>
 * </ul>
 * Instances are immutable.
 */
public final class Params {

    private final String module;
    private final StateParameters values;
    private final Map<String, String> substitutions;
    private final Set<String> verbatim;

    private Params(String module, StateParameters values, Set<String> verbatim) {
        this.module = module;
        this.values = values.withSubject(module);
        this.verbatim = verbatim;
        this.substitutions = values.textValues();
    }

    /** The parameters of {@code state}. */
    public static Params of(RecipeState state) {
        return of(state.module(), state.parameters(), Set.of());
    }

    /** The parameters of {@code state}; those named in {@code verbatim} (secrets such as passwords) are never substituted. */
    public static Params of(RecipeState state, Set<String> verbatim) {
        return of(state.module(), state.parameters(), verbatim);
    }

    /** The parameters of a state of {@code module}. */
    public static Params of(String module, StateParameters parameter) {
        return of(module, parameter, Set.of());
    }

    /**
     * The parameters of a state of {@code module}; the parameters named in {@code verbatim}
     * (secrets such as passwords) are never substituted.
     */
    public static Params of(String module, StateParameters parameter, Set<String> verbatim) {
        Objects.requireNonNull(module, "module");
        return new Params(module, parameter == null ? StateParameters.empty() : parameter, Set.copyOf(verbatim));
    }

    public String module() {
        return module;
    }

    /** Whether {@code name} is given (not missing, not null, not an empty string). */
    public boolean has(String name) {
        return values.has(name);
    }

    // ---------------------------------------------------------------- text

    /** A required text parameter. */
    public String requiredString(String name) {
        return string(name).orElseThrow(() -> values.missing(name));
    }

    /** An optional text parameter. */
    public Optional<String> string(String name) {
        return values.string(name).map(v -> substitute(name, v));
    }

    /** A text parameter with a default (the default is substituted too). */
    public String string(String name, String defaultValue) {
        return string(name).orElseGet(() -> substitute(name, defaultValue));
    }

    /** A text parameter exactly as sent, with no substitution and no trimming. */
    public Optional<String> rawString(String name) {
        return values.string(name);
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
        return values.bool(name, defaultValue);
    }

    /** An optional boolean parameter. */
    public Optional<Boolean> optionalBool(String name) {
        return values.bool(name);
    }

    // ---------------------------------------------------------------- numbers

    /** An optional whole number, sent as a JSON number or as a string of digits. */
    public Optional<Long> integer(String name) {
        return values.integer(name);
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
        Optional<String> text;
        try {
            text = values.string(name);
        } catch (InvalidParameterException notText) {
            text = Optional.empty();
        }
        Optional<FileMode> mode = text.flatMap(t -> FileMode.parse(substitute(name, t)));
        if (mode.isPresent()) {
            return mode.get();
        }
        throw invalid(name, "must be an octal file mode such as \"0644\" (a string or a number), got "
                + values.describe(name));
    }

    // ---------------------------------------------------------------- lists

    /**
     * An array parameter of text values; a single string is taken as a one-element list and
     * empty strings are dropped. Empty when not given.
     */
    public List<String> stringList(String name) {
        return values.stringList(name).stream().map(s -> substitute(name, s)).toList();
    }

    /** A required, non-empty array parameter of text values. */
    public List<String> requiredStringList(String name) {
        return values.requiredStringList(name).stream().map(s -> substitute(name, s)).toList();
    }

    /**
     * A dict parameter. Accepted shapes: the wire's list of {@code {"key": k, "value": v}}
     * objects (a missing or null value is empty); a list of plain strings (keys with empty
     * values); a JSON object of key to value. Entries with an empty key are dropped. Keys are
     * not substituted; values are. Empty when not given.
     */
    public List<KeyValue> keyValues(String name) {
        return values.keyValues(name).stream().map(e -> new KeyValue(e.getKey(), substitute(name, e.getValue())))
                .toList();
    }

    /** A required, non-empty dict parameter. */
    public List<KeyValue> requiredKeyValues(String name) {
        return values.requiredKeyValues(name).stream()
                .map(e -> new KeyValue(e.getKey(), substitute(name, e.getValue()))).toList();
    }

    // ---------------------------------------------------------------- errors

    /** An error about parameter {@code name}: "module: parameter 'name' problem". */
    public InvalidParameterException invalid(String name, String problem) {
        return values.invalid(name, problem);
    }

    // ---------------------------------------------------------------- helpers

    private String substitute(String name, String value) {
        if (value == null || verbatim.contains(name)) {
            return value;
        }
        return TemplateSubstitution.apply(value, substitutions);
    }
}
