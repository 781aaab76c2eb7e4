package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One line that says what a Salt state changed (or would change), in the built-in executor's
 * style: {@code Changes: content (+2 -1 lines), mode 0644, owner www-data}. A command's output
 * is left out: it is reported as the state's output.
 */
final class SaltChanges {

    /** Keys of a command's changes that are reported elsewhere or say nothing to a reader. */
    private static final Set<String> OMITTED = Set.of("pid", "stdout", "stderr", "retcode", "cmd");

    /** How long one value may get in the line. */
    static final int VALUE_CAP = 200;

    private SaltChanges() {
    }

    /** The line for {@code changes}, or empty when there is nothing to say. */
    static String line(JsonObject changes) {
        List<String> items = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : changes.entrySet()) {
            String key = e.getKey();
            if (OMITTED.contains(key)) {
                continue;
            }
            items.add(item(key, e.getValue()));
        }
        return items.isEmpty() ? "" : "Changes: " + String.join(", ", items);
    }

    private static String item(String key, JsonElement value) {
        if (value.isJsonObject()) {
            List<String> inner = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
                inner.add(item(e.getKey(), e.getValue()));
            }
            return key + ": " + String.join(", ", inner);
        }
        String text = value.isJsonPrimitive() ? value.getAsString() : value.toString();
        switch (key) {
            case "diff":
                return content(text);
            case "newfile":
                return "new file";
            case "user":
                return "owner " + cap(text);
            default:
                return key + " " + cap(text);
        }
    }

    /** Salt's {@code diff}: a unified diff, or a sentence such as "New file" or "Replace binary file". */
    private static String content(String diff) {
        if (diff.equals("New file")) {
            return "new file";
        }
        if (!diff.startsWith("---") && !diff.startsWith("@@")) {
            return "content (" + cap(diff) + ")";
        }
        int added = 0;
        int removed = 0;
        boolean inHunk = false;
        for (String line : diff.split("\n", -1)) {
            if (line.startsWith("@@")) {
                inHunk = true;
            } else if (!inHunk) {
                continue; // the "---" and "+++" header
            } else if (line.startsWith("+")) {
                added++;
            } else if (line.startsWith("-")) {
                removed++;
            }
        }
        return "content (+" + added + " -" + removed + " lines)";
    }

    private static String cap(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= VALUE_CAP ? oneLine : oneLine.substring(0, VALUE_CAP) + "...";
    }
}
