package io.opsagent.launcher.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the INI dialect of {@code /etc/opsagent.conf}: the subset of Python's ConfigParser that
 * the original agent's files use.
 *
 * <ul>
 *   <li>{@code [section]} headers; section names are case-sensitive, as in Python;
 *   <li>{@code key = value} or {@code key: value}; keys are case-insensitive (read in lower
 *       case); the value is the rest of the line with surrounding blanks removed;
 *   <li>whole-line comments start with {@code #} or {@code ;}; there are no inline comments, so
 *       {@code #} and {@code ;} inside a value are part of it;
 *   <li>no {@code %} interpolation and no continuation lines.
 * </ul>
 *
 * A key outside any section, a line that is none of the above, and a key given twice in one
 * section are errors naming the file and line.
 */
final class IniParser {

    /** One {@code key = value} line. */
    record Entry(String section, String key, String value, int line) {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    private IniParser() {}

    static List<Entry> parse(String text, Path file) {
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        String section = null;
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith(";")) {
                continue;
            }
            if (trimmed.startsWith("[")) {
                if (!trimmed.endsWith("]")) {
                    throw ConfigException.at(Origin.line(file, lineNo),
                            "'" + trimmed + "' is not a section header (write [name])");
                }
                String name = trimmed.substring(1, trimmed.length() - 1).strip();
                if (!NAME.matcher(name).matches()) {
                    throw ConfigException.at(Origin.line(file, lineNo),
                            "'" + trimmed + "' is not a valid section name (letters, digits, '_', '.', '-')");
                }
                section = name;
                continue;
            }
            int eq = indexOfSeparator(trimmed);
            if (eq <= 0) {
                throw ConfigException.at(Origin.line(file, lineNo),
                        "'" + abbreviate(trimmed) + "' is neither a [section], a key = value line nor a comment");
            }
            String key = trimmed.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = trimmed.substring(eq + 1).strip();
            if (!NAME.matcher(key).matches()) {
                throw ConfigException.at(Origin.line(file, lineNo),
                        "'" + key + "' is not a valid key name (letters, digits, '_', '.', '-')");
            }
            if (section == null) {
                throw ConfigException.at(Origin.line(file, lineNo),
                        "key '" + key + "' is outside any [section]");
            }
            Integer first = seen.putIfAbsent(section + "\u0000" + key, lineNo);
            if (first != null) {
                throw ConfigException.at(Origin.line(file, lineNo),
                        "[" + section + "] " + key + ": given twice (first on line " + first + ")");
            }
            entries.add(new Entry(section, key, value, lineNo));
        }
        return entries;
    }

    private static int indexOfSeparator(String line) {
        int eq = line.indexOf('=');
        int colon = line.indexOf(':');
        if (eq < 0) {
            return colon;
        }
        if (colon < 0) {
            return eq;
        }
        return Math.min(eq, colon);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
