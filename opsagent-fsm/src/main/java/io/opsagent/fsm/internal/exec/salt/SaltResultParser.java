package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.opsagent.fsm.internal.exec.TextCaps;
import io.opsagent.fsm.spi.StateResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Turns what {@code salt-call --local --out=json} printed into a {@link StateResult}.
 *
 * <ul>
 *   <li>Empty or unparsable stdout (a crash): failure; the comment is the end of stderr.</li>
 *   <li>{@code local} is a list (render or compile error, unknown function, a refused
 *       concurrent run): failure; the comment is Salt's messages.</li>
 *   <li>{@code local} is an object: success only when every entry's {@code result} is true;
 *       {@code null} ("would change") is allowed only in a dry run. An empty object is a
 *       failure. {@code changed} is true when an entry has non-empty {@code changes} or, in a
 *       dry run, a {@code null} result.</li>
 *   <li>The comment is the entries' comments in run order ({@code __run_num__}), one per line,
 *       each followed by a line naming its {@code changes} ({@link SaltChanges}); the output is the {@code stdout} and {@code stderr} of command entries, in the same
 *       order. Both are capped by {@link TextCaps#capReport}.</li>
 *   <li>A comment holding a Python traceback is shortened to the traceback's last line.</li>
 *   <li>The exit code is a cross-check only: a success with a non-zero exit code is a failure.</li>
 * </ul>
 */
public final class SaltResultParser {

    /** How much of stderr's end is quoted in a comment when Salt printed no result. */
    static final int STDERR_QUOTE_BYTES = 2048;

    private static final String TRACEBACK = "Traceback (most recent call last):";

    private SaltResultParser() {
    }

    /**
     * @param stdout what salt-call printed on stdout
     * @param stderr what it printed on stderr (log lines, warnings, tracebacks)
     * @param exitCode its exit status
     * @param dryRun whether it ran with {@code test=True}
     */
    public static StateResult parse(String stdout, String stderr, int exitCode, boolean dryRun) {
        String text = stdout == null ? "" : stdout.strip();
        if (text.isEmpty()) {
            return noResult("salt-call exited with code " + exitCode + " and printed no result", stderr);
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(jsonStart(text));
        } catch (JsonParseException e) {
            return noResult("salt-call exited with code " + exitCode + " and printed output that is not JSON", stderr);
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("local")) {
            return noResult("salt-call exited with code " + exitCode + " and printed JSON without a \"local\" result", stderr);
        }
        JsonElement local = root.getAsJsonObject().get("local");
        if (local.isJsonArray()) {
            return StateResult.failed(TextCaps.capReport(joinStrings(local.getAsJsonArray())), null);
        }
        if (!local.isJsonObject()) {
            return StateResult.failed("salt-call returned " + local + " instead of state results (exit code " + exitCode + ")", null);
        }
        JsonObject entries = local.getAsJsonObject();
        if (entries.size() == 0) {
            return StateResult.failed("Salt ran no states (empty result, exit code " + exitCode + ")", null);
        }
        return fromEntries(entries, exitCode, dryRun);
    }

    private static StateResult fromEntries(JsonObject entries, int exitCode, boolean dryRun) {
        List<Entry> list = new ArrayList<>();
        int position = 0;
        for (Map.Entry<String, JsonElement> e : entries.entrySet()) {
            JsonObject o = e.getValue().isJsonObject() ? e.getValue().getAsJsonObject() : new JsonObject();
            list.add(new Entry(e.getKey(), o, runNumber(o, position++)));
        }
        list.sort(Comparator.comparingLong(Entry::runNumber));

        boolean success = true;
        boolean changed = false;
        List<String> comments = new ArrayList<>();
        List<String> output = new ArrayList<>();
        for (Entry entry : list) {
            JsonElement result = entry.body().get("result");
            boolean isNull = result == null || result.isJsonNull();
            boolean isTrue = !isNull && result.isJsonPrimitive() && result.getAsJsonPrimitive().isBoolean() && result.getAsBoolean();
            JsonElement changes = entry.body().get("changes");
            boolean hasChanges = changes != null && changes.isJsonObject() && changes.getAsJsonObject().size() > 0;
            String comment = withoutTraceback(text(entry.body().get("comment")));
            if (!comment.isEmpty()) {
                comments.add(comment);
            }
            if (isNull) {
                changed = true;
                if (!dryRun) {
                    success = false;
                    comments.add("Salt gave no result for " + entry.key() + " although this was not a dry run");
                }
            } else if (!isTrue) {
                success = false;
            }
            changed |= hasChanges;
            if (hasChanges) {
                JsonObject c = changes.getAsJsonObject();
                String line = SaltChanges.line(c);
                if (!line.isEmpty()) {
                    comments.add(line);
                }
                addIfText(output, c.get("stdout"));
                addIfText(output, c.get("stderr"));
            }
        }
        if (success && exitCode != 0) {
            success = false;
            comments.add("salt-call exited with code " + exitCode + " although every state succeeded");
        }
        String comment = TextCaps.capReport(String.join("\n", comments));
        String stdout = output.isEmpty() ? null : TextCaps.capReport(String.join("\n", output));
        return new StateResult(success, changed, comment, stdout);
    }

    /**
     * A comment that holds a Python traceback (a state that raised) becomes the text before it
     * and the traceback's last line, the exception: "An exception occurred in this state:
     * PermissionError: [Errno 1] Operation not permitted: '/x'".
     */
    static String withoutTraceback(String comment) {
        int at = comment.indexOf(TRACEBACK);
        if (at < 0) {
            return comment;
        }
        String before = comment.substring(0, at).strip();
        String[] lines = comment.substring(at).strip().split("\n");
        String last = lines[lines.length - 1].strip();
        return before.isEmpty() ? last : before + " " + last;
    }

    private static StateResult noResult(String what, String stderr) {
        String err = stderr == null ? "" : stderr.strip();
        String comment = err.isEmpty() ? what : what + "; stderr ends with:\n" + tail(err, STDERR_QUOTE_BYTES);
        return StateResult.failed(TextCaps.capReport(comment), err.isEmpty() ? null : TextCaps.capReport(err));
    }

    /** The last {@code maxBytes} (about) of {@code text}, starting at a line boundary when possible. */
    private static String tail(String text, int maxBytes) {
        if (text.length() <= maxBytes) {
            return text;
        }
        String t = text.substring(text.length() - maxBytes);
        int nl = t.indexOf('\n');
        return nl >= 0 && nl < t.length() - 1 ? t.substring(nl + 1) : t;
    }

    /** Skips anything a misbehaving module printed before the JSON object. */
    private static String jsonStart(String text) {
        if (text.startsWith("{")) {
            return text;
        }
        int at = text.indexOf("\n{");
        return at >= 0 ? text.substring(at + 1) : text;
    }

    private static long runNumber(JsonObject o, int position) {
        JsonElement n = o.get("__run_num__");
        if (n != null && n.isJsonPrimitive() && n.getAsJsonPrimitive().isNumber()) {
            return n.getAsLong();
        }
        return 1_000_000L + position;
    }

    private static String joinStrings(JsonArray a) {
        List<String> parts = new ArrayList<>();
        for (JsonElement e : a) {
            parts.add(text(e));
        }
        String joined = String.join("\n", parts).strip();
        return joined.isEmpty() ? "Salt returned an empty error list" : joined;
    }

    private static void addIfText(List<String> out, JsonElement e) {
        String s = text(e);
        if (!s.isEmpty()) {
            out.add(s);
        }
    }

    /** A comment or output value as text: strings as they are, lists one item per line. */
    private static String text(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "";
        }
        if (e.isJsonPrimitive()) {
            return e.getAsString();
        }
        if (e.isJsonArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonElement item : e.getAsJsonArray()) {
                String s = text(item);
                if (!s.isEmpty()) {
                    parts.add(s);
                }
            }
            return String.join("\n", parts);
        }
        return e.toString();
    }

    private record Entry(String key, JsonObject body, long runNumber) {
    }
}
