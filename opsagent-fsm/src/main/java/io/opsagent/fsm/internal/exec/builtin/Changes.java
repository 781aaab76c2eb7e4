package io.opsagent.fsm.internal.exec.builtin;

import java.util.ArrayList;
import java.util.List;

/** The changes one state makes (or would make), for its comment: "Changes: content, mode 0600 -> 0644". */
final class Changes {

    private final List<String> items = new ArrayList<>();

    void add(String change) {
        items.add(change);
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    /** {@code sentence}, then a line listing the changes when there are any. */
    String comment(String sentence) {
        return items.isEmpty() ? sentence : sentence + "\nChanges: " + String.join(", ", items);
    }
}
