package io.opsagent.fsm.protocol;

import java.util.Objects;

/**
 * Releases wait state {@code id} of recipe {@code recipeVersion} (the "DONE" of the design; wire
 * code {@code State}).
 */
public record StateDone(long recipeVersion, String id) implements BackendMessage {

    public static final String CODE = "State";

    public StateDone {
        Objects.requireNonNull(id, "id");
    }

    @Override
    public String code() {
        return CODE;
    }
}
