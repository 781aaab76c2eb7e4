package io.opsagent.launcher.runtime;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.RecipeState;
import java.util.ArrayList;
import java.util.List;

/**
 * What a wait state ({@code meta.wait}) waits on: its {@code state} parameter, references to
 * states of other hosts such as {@code @{db.state.1}}. Only the backend resolves them; the
 * agent shows them as given.
 */
final class WaitTargets {

    private WaitTargets() { }

    /** The references of {@code state}'s {@code state} parameter (a list or one string); empty when none. */
    static List<String> of(RecipeState state) {
        JsonObject parameter = state.parameter();
        JsonElement value = parameter == null ? null : parameter.get("state");
        List<String> targets = new ArrayList<>();
        if (value == null || value.isJsonNull()) {
            return targets;
        }
        if (value.isJsonArray()) {
            for (JsonElement e : value.getAsJsonArray()) {
                add(targets, e);
            }
        } else {
            add(targets, value);
        }
        return targets;
    }

    private static void add(List<String> targets, JsonElement e) {
        if (e.isJsonPrimitive() && !e.getAsString().isBlank()) {
            targets.add(e.getAsString());
        }
    }
}
