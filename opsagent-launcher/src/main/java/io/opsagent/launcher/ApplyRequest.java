package io.opsagent.launcher;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code opsagent apply} asks of the runtime.
 *
 * @param recipe the recipe file; the launcher checked that it is a readable JSON object
 * @param dryRun report what would change, change nothing
 * @param json print the results as JSON instead of a table
 * @param stateId apply only the state with this id ({@code --state}); empty for all
 * @param verbose show each state's whole comment and its output in the table
 */
public record ApplyRequest(Path recipe, boolean dryRun, boolean json, Optional<String> stateId, boolean verbose) {
    public ApplyRequest {
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(stateId, "stateId");
    }

    /** Every state, the table cut to one line per state. */
    public ApplyRequest(Path recipe, boolean dryRun, boolean json) {
        this(recipe, dryRun, json, Optional.empty(), false);
    }
}
