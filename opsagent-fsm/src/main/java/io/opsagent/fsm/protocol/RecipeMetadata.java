package io.opsagent.fsm.protocol;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A recipe pushed by the backend. Wire code {@code RecipeMetadata}.
 *
 * <p>Without a {@code state} field the message is <em>header-only</em>: the agent restarts the
 * states it already has under the new version. An empty {@code state} array is a real, empty
 * recipe: it clears the states (the original agent kept running the old ones).
 *
 * @param recipeVersion a positive version number
 * @param module the states-module repository, when given
 * @param states the states in order, or empty when the message is header-only
 */
public record RecipeMetadata(long recipeVersion, Optional<ModuleRef> module, Optional<List<RecipeState>> states)
        implements BackendMessage {

    public static final String CODE = "RecipeMetadata";

    public RecipeMetadata {
        if (recipeVersion <= 0) {
            throw new IllegalArgumentException("recipe_version must be positive, got " + recipeVersion);
        }
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(states, "states");
        states = states.map(List::copyOf);
    }

    /** A recipe with the given states. */
    public static RecipeMetadata of(long recipeVersion, List<RecipeState> states) {
        return new RecipeMetadata(recipeVersion, Optional.empty(), Optional.of(states));
    }

    /** A header-only recipe: restart the current states under {@code recipeVersion}. */
    public static RecipeMetadata headerOnly(long recipeVersion) {
        return new RecipeMetadata(recipeVersion, Optional.empty(), Optional.empty());
    }

    public boolean isHeaderOnly() {
        return states.isEmpty();
    }

    @Override
    public String code() {
        return CODE;
    }
}
