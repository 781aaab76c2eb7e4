package io.opsagent.fsm.internal.exec;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Unix permission mode such as {@code 0644}, with the set-id and sticky bits.
 *
 * <p>The wire carries it as a string of octal digits ({@code "0644"}, {@code "644"},
 * {@code "2775"}) or, from some backends, as a JSON number whose decimal digits are read as
 * octal ({@code 644}), the way the original agent and Salt read it.
 *
 * @param bits the mode bits, {@code 0} to {@code 07777}
 */
public record FileMode(int bits) {

    private static final Pattern OCTAL = Pattern.compile("0?[0-7]{3,4}");

    public FileMode {
        if (bits < 0 || bits > 07777) {
            throw new IllegalArgumentException("mode out of range: " + Integer.toOctalString(bits));
        }
    }

    /** Parses the text form; empty when {@code text} is not 3 or 4 octal digits (an extra leading 0 allowed). */
    public static Optional<FileMode> parse(String text) {
        String t = text.trim();
        if (!OCTAL.matcher(t).matches()) {
            return Optional.empty();
        }
        return Optional.of(new FileMode(Integer.parseInt(t, 8)));
    }

    /** Four octal digits, e.g. {@code 0644}: the form written into Salt states and comments. */
    public String octal() {
        return String.format("%04o", bits);
    }

    /** Only the nine permission bits (no set-id or sticky bits). */
    public int permissionBits() {
        return bits & 0777;
    }

    @Override
    public String toString() {
        return octal();
    }
}
