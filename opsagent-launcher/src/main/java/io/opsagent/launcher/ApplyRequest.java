package io.opsagent.launcher;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@code opsagent apply} asks of the runtime.
 *
 * @param recipe the recipe file; the launcher checked that it is a readable JSON object
 * @param dryRun report what would change, change nothing
 * @param json print the results as JSON instead of a table
 */
public record ApplyRequest(Path recipe, boolean dryRun, boolean json) {
    public ApplyRequest {
        Objects.requireNonNull(recipe, "recipe");
    }
}
