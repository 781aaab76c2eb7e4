package io.opsagent.launcher.diagnose;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Locale;

/** Shows the checks of a {@link Diagnosis}: one line each with its fix, or as JSON. */
public final class DiagnosisReport {

    /** The marks of a passed, failed and skipped check on a terminal that shows Unicode. */
    public static final List<String> UNICODE_MARKS = List.of("\u2713", "\u2717", "-");
    /** The marks where the console's charset has no check marks (LANG=C, say). */
    public static final List<String> ASCII_MARKS = List.of("+", "x", "-");

    private DiagnosisReport() {}

    /** Whether every check passed: then, and only then, {@code diagnose} exits 0. */
    public static boolean allPassed(List<Check> checks) {
        return checks.stream().allMatch(Check::passed);
    }

    /**
     * The marks this JVM's standard output can show: {@link #UNICODE_MARKS} when its charset
     * encodes them, else {@link #ASCII_MARKS}.
     */
    public static List<String> consoleMarks() {
        String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        Charset charset = name != null && Charset.isSupported(name) ? Charset.forName(name) : Charset.defaultCharset();
        return charset.newEncoder().canEncode(String.join("", UNICODE_MARKS)) ? UNICODE_MARKS : ASCII_MARKS;
    }

    /** {@link #text(List, List)} with {@link #UNICODE_MARKS}. */
    public static String text(List<Check> checks) {
        return text(checks, UNICODE_MARKS);
    }

    /**
     * One line per check, marked with {@code marks} (passed, failed, skipped), a {@code fix:} line
     * under a failure, and a summary.
     */
    public static String text(List<Check> checks, List<String> marks) {
        int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
        StringBuilder b = new StringBuilder();
        for (Check check : checks) {
            String mark = switch (check.result()) {
                case PASS -> marks.get(0);
                case FAIL -> marks.get(1);
                case SKIP -> marks.get(2);
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
