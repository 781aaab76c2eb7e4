package io.opsagent.fsm.protocol;

import java.util.List;

/** The backend's answer to {@link WaitQuery}: the released wait states. Wire code {@code WaitList}. */
public record WaitList(long recipeVersion, List<String> waited) implements BackendMessage {

    public static final String CODE = "WaitList";

    public WaitList {
        waited = List.copyOf(waited);
    }

    @Override
    public String code() {
        return CODE;
    }
}
