package io.opsagent.fsm.testutil;

import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateParameters;

/** Parameters for test states, written as JSON text with single quotes for readability. */
public final class Json {

    private Json() {
    }

    /** Parses {@code text} after turning every {@code '} into {@code "}. */
    public static StateParameters obj(String text) {
        return StateParameters.parse(text.replace('\'', '"'));
    }

    /** A state whose parameters are a Gson tree built by a test (null: none). */
    public static RecipeState state(String id, String module, com.google.gson.JsonObject parameter) {
        return new RecipeState(id, module, parameter == null ? null : StateParameters.parse(parameter.toString()));
    }
}
