package io.opsagent.fsm.protocol;

/**
 * Releases wait state {@code id} of recipe {@code recipeVersion} (the "DONE" of the design; wire
 * code {@code State}).
 */
public record StateDone(long recipeVersion, String id) implements BackendMessage {

    public static final String CODE = "State";

    @Override
    public String code() {
        return CODE;
    }
}
