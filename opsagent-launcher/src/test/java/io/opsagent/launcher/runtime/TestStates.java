package io.opsagent.launcher.runtime;

import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateParameters;

/** Recipe states for tests whose parameters are built as Gson trees. */
final class TestStates {

    private TestStates() { }

    static RecipeState state(String id, String module, JsonObject parameter) {
        return new RecipeState(id, module, parameter == null ? null : StateParameters.parse(parameter.toString()));
    }
}
