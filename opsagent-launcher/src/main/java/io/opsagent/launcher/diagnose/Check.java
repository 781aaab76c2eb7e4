package io.opsagent.launcher.diagnose;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of one diagnostic check.
 *
 * @param name what was checked, e.g. {@code TLS}
 * @param result whether it passed, failed or could not be made
 * @param detail what was found
 * @param fix what to do about a failure; empty when it passed
 */
public record Check(String name, Result result, String detail, Optional<String> fix) {

    /** The outcome of a check. */
    public enum Result {
        /** The check passed. */
        PASS,
        /** The check failed; {@link Check#fix()} says what to do. */
        FAIL,
        /** The check was not made because an earlier one failed; it counts as not passed. */
        SKIP
    }

    public Check {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(fix, "fix");
    }

    static Check pass(String name, String detail) {
        return new Check(name, Result.PASS, detail, Optional.empty());
    }

    static Check fail(String name, String detail, String fix) {
        return new Check(name, Result.FAIL, detail, Optional.of(fix));
    }

    static Check skip(String name, String why) {
        return new Check(name, Result.SKIP, "not checked: " + why, Optional.empty());
    }

    public boolean passed() {
        return result == Result.PASS;
    }
}
