package io.opsagent.launcher.diagnose;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;

/** Shows the checks of a {@link Diagnosis}: one line each with its fix, or as JSON. */
public final class DiagnosisReport {

    static final String PASS_MARK = "\u2713";
    static final String FAIL_MARK = "\u2717";
    static final String SKIP_MARK = "-";

    private DiagnosisReport() {}

    /** Whether every check passed: then, and only then, {@code diagnose} exits 0. */
    public static boolean allPassed(List<Check> checks) {
        return checks.stream().allMatch(Check::passed);
    }

    /** One line per check ({@code ✓}, {@code ✗} or {@code -}), a {@code fix:} line under a failure, and a summary. */
    public static String text(List<Check> checks) {
        int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
        StringBuilder b = new StringBuilder();
        for (Check check : checks) {
            String mark = switch (check.result()) {
                case PASS -> PASS_MARK;
                case FAIL -> FAIL_MARK;
                case SKIP -> SKIP_MARK;
            };
            b.append(mark).append(' ').append(pad(check.name(), width)).append("  ").append(check.detail()).append('\n');
            check.fix().ifPresent(fix -> b.append("  ").append(" ".repeat(width)).append("  fix: ").append(fix)
                    .append('\n'));
        }
        long failed = checks.stream().filter(c -> c.result() == Check.Result.FAIL).count();
        long skipped = checks.stream().filter(c -> c.result() == Check.Result.SKIP).count();
        if (failed == 0 && skipped == 0) {
            b.append("all ").append(checks.size()).append(" checks passed\n");
        } else {
            b.append(failed).append(" of ").append(checks.size()).append(" checks failed")
                    .append(skipped == 0 ? "" : ", " + skipped + " not checked").append('\n');
        }
        return b.toString();
    }

    /** {@code {"ok": ..., "checks": [{"name", "result", "detail", "fix"}]}}, pretty-printed. */
    public static String json(List<Check> checks) {
        JsonObject o = new JsonObject();
        o.addProperty("ok", allPassed(checks));
        JsonArray array = new JsonArray();
        for (Check check : checks) {
            JsonObject c = new JsonObject();
            c.addProperty("name", check.name());
            c.addProperty("result", check.result().name().toLowerCase(Locale.ROOT));
            c.addProperty("detail", check.detail());
            if (check.fix().isPresent()) {
                c.addProperty("fix", check.fix().get());
            } else {
                c.add("fix", JsonNull.INSTANCE);
            }
            array.add(c);
        }
        o.add("checks", array);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(o) + "\n";
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }
}
