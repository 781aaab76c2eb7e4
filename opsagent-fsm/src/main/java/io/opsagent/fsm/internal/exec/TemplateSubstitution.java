package io.opsagent.fsm.internal.exec;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The original agent's {@code $name} rule: in a string value, {@code $name} and {@code ${name}}
 * are replaced by the value of the state's parameter {@code name}; names that are not
 * parameters are left as they are, and {@code $$} stands for one {@code $}. This is the
 * behaviour of Python's {@code string.Template.safe_substitute}, which the original applied to
 * every string argument. Names are ASCII letters, digits and underscores, not starting with a
 * digit; a parameter such as {@code if-path-present} cannot be referenced.
 */
final class TemplateSubstitution {

    private static final Pattern PLACEHOLDER = Pattern.compile(
            "\\$(?:(\\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\\{([_a-zA-Z][_a-zA-Z0-9]*)})");

    private TemplateSubstitution() {
    }

    /** {@code text} with every known placeholder replaced by its value from {@code values}. */
    static String apply(String text, Map<String, String> values) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start());
            if (m.group(1) != null) {
                out.append('$');
            } else {
                String name = m.group(2) != null ? m.group(2) : m.group(3);
                String value = values.get(name);
                out.append(value != null ? value : m.group());
            }
            last = m.end();
        }
        out.append(text, last, text.length());
        return out.toString();
    }
}
