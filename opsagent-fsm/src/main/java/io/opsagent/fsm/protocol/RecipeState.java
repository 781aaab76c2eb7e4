package io.opsagent.fsm.protocol;

import com.google.gson.JsonObject;
import java.util.Objects;

/**
 * One state of a recipe, as pushed by the backend.
 *
 * @param id the state id (wire field {@code id}; {@code stateid} is accepted on input)
 * @param module the module name, e.g. {@code linux.file}, {@code meta.wait}
 * @param parameter the module's parameters; a defensive copy is kept and handed out
 */
public record RecipeState(String id, String module, JsonObject parameter) {

    /** The module of a comment state: never executed, reported as a success. */
    public static final String COMMENT_MODULE = "meta.comment";

    /** The module of a wait state: held until the backend releases it. */
    public static final String WAIT_MODULE = "meta.wait";

    public RecipeState {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(module, "module");
        parameter = parameter == null ? new JsonObject() : parameter.deepCopy();
    }

    /** A copy of the parameters; changing it changes nothing here. */
    @Override
    public JsonObject parameter() {
        return parameter.deepCopy();
    }

    public boolean isComment() {
        return COMMENT_MODULE.equals(module);
    }

    public boolean isWait() {
        return WAIT_MODULE.equals(module);
    }
}
