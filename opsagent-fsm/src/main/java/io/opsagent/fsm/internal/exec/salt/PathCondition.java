package io.opsagent.fsm.internal.exec.salt;

import java.util.ArrayList;
import java.util.List;

/**
 * The shell test for {@code linux.cmd}'s {@code if-path-present} and {@code if-path-absent}:
 * every present path must exist and every absent path must not, e.g.
 * {@code [ -e '/a' ] && [ ! -e '/b' ]}. Paths are single-quoted, so spaces and shell
 * characters in them are safe.
 */
final class PathCondition {

    private PathCondition() {
    }

    /** The test, or null when both lists are empty. */
    static String of(List<String> present, List<String> absent) {
        List<String> tests = new ArrayList<>();
        present.forEach(p -> tests.add("[ -e " + quote(p) + " ]"));
        absent.forEach(p -> tests.add("[ ! -e " + quote(p) + " ]"));
        return tests.isEmpty() ? null : String.join(" && ", tests);
    }

    /** {@code s} as one single-quoted shell word. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
