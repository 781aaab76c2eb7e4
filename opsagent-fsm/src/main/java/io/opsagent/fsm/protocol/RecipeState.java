package io.opsagent.fsm.protocol;

import java.util.Objects;

/**
 * One state of a recipe, as pushed by the backend.
 *
 * <p>The parameters are kept as their compact JSON text, not as a tree: a tree of small JSON values
 * costs tens of times the size of its text, and a recipe is held for as long as it is loaded. The
 * tree is built when {@link #parameters()} is asked for, which an executor does once per run.
 */
public final class RecipeState {

    /** The module of a comment state: never executed, reported as a success. */
    public static final String COMMENT_MODULE = "meta.comment";

    /** The module of a wait state: held until the backend releases it. */
    public static final String WAIT_MODULE = "meta.wait";

    private static final String EMPTY = "{}";

    private final String id;
    private final String module;
    private final String parameterJson;

    /**
     * @param id the state id (wire field {@code id}; {@code stateid} is accepted on input)
     * @param module the module name, e.g. {@code linux.file}, {@code meta.wait}
     * @param parameters the module's parameters (null: none)
     */
    public RecipeState(String id, String module, StateParameters parameters) {
        this(parameters == null ? EMPTY : parameters.json(), id, module);
    }

    private RecipeState(String parameterJson, String id, String module) {
        this.id = Objects.requireNonNull(id, "id");
        this.module = Objects.requireNonNull(module, "module");
        this.parameterJson = parameterJson;
    }

    /**
     * A state whose parameters are given as the compact JSON text of an object, as the codec reads
     * them from a frame; the text is not parsed here.
     */
    static RecipeState ofParameterJson(String id, String module, String parameterJson) {
        return new RecipeState(Objects.requireNonNull(parameterJson, "parameterJson"), id, module);
    }

    /** The state id. */
    public String id() {
        return id;
    }

    /** The module name. */
    public String module() {
        return module;
    }

    /**
     * The parameters, read from their text on each call. Their errors name this state: {@code
     * state 'web-conf' (linux.file): parameter 'mode' must be ...}.
     */
    public StateParameters parameters() {
        return StateParameters.ofCheckedJson(parameterJson, "state '" + id + "' (" + module + ")");
    }

    /** The parameters as compact JSON text (an object), as they are kept. */
    public String parameterJson() {
        return parameterJson;
    }

    public boolean isComment() {
        return COMMENT_MODULE.equals(module);
    }

    public boolean isWait() {
        return WAIT_MODULE.equals(module);
    }

    /** Equal when id, module and parameters are; parameters compare as JSON (key order aside). */
    @Override
    public boolean equals(Object o) {
        return o instanceof RecipeState s && id.equals(s.id) && module.equals(s.module)
                && (parameterJson.equals(s.parameterJson) || parameters().equals(s.parameters()));
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, module, parameters());
    }

    @Override
    public String toString() {
        return "RecipeState[id=" + id + ", module=" + module + ", parameter=" + parameterJson + "]";
    }
}
