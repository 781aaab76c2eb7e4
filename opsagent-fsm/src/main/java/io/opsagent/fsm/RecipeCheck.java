package io.opsagent.fsm;

import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a whole recipe before any of it is applied: every state through its executor's own
 * parameter checks ({@link StateExecutor#check}). A recipe with a problem is refused as a whole;
 * every problem is reported at once.
 */
public final class RecipeCheck {

    /** One problem of one state. */
    public record Problem(int index, String stateId, String module, String message) {

        public Problem {
            Objects.requireNonNull(stateId, "stateId");
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(message, "message");
        }

        /** {@code state 2 (web-conf, linux.file): linux.file: parameter 'mode' ...}. */
        @Override
        public String toString() {
            return "state " + (index + 1) + " (" + stateId + ", " + module + "): " + message;
        }
    }

    private RecipeCheck() { }

    /** Every problem of {@code recipe}'s states for {@code executor}, in recipe order; empty when none. */
    public static List<Problem> problems(RecipeMetadata recipe, StateExecutor executor) {
        return problems(recipe, executor, state -> List.of());
    }

    /**
     * As {@link #problems(RecipeMetadata, StateExecutor)}, plus what {@code more} finds in each
     * state (a local command also refuses modules the executor does not apply).
     */
    public static List<Problem> problems(RecipeMetadata recipe, StateExecutor executor,
            java.util.function.Function<RecipeState, List<String>> more) {
        List<Problem> problems = new ArrayList<>();
        List<RecipeState> states = recipe.states().orElse(List.of());
        for (int i = 0; i < states.size(); i++) {
            RecipeState state = states.get(i);
            List<String> found;
            try {
                found = new ArrayList<>(more.apply(state));
                found.addAll(executor.check(state));
            } catch (RuntimeException e) {
                found = List.of("cannot be checked: " + e);
            }
            for (String message : found) {
                problems.add(new Problem(i, state.id(), state.module(), message));
            }
        }
        return List.copyOf(problems);
    }
}
