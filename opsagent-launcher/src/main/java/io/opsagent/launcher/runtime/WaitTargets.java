package io.opsagent.launcher.runtime;

import io.opsagent.fsm.protocol.InvalidParameterException;
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
        List<String> targets = new ArrayList<>();
        try {
            for (String target : state.parameters().stringList("state")) {
                if (!target.isBlank()) {
                    targets.add(target);
                }
            }
        } catch (InvalidParameterException notText) {
            // shown as given only when they are references; anything else is the backend's to judge
        }
        return targets;
    }
}
