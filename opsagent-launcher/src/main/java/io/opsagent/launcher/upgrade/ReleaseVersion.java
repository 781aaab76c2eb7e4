package io.opsagent.launcher.upgrade;

import java.util.regex.Pattern;

/**
 * Release version names. A version names a directory under {@code releases/} and a path segment
 * of the download URL, so it is checked before it is used for either: the original agent
 * pasted it unquoted into root's crontab.
 */
public final class ReleaseVersion {

    /** Letters, digits, dot, underscore, plus and minus; starts with a letter or digit; at most 64. */
    private static final Pattern VALID = Pattern.compile("[0-9A-Za-z][0-9A-Za-z._+-]{0,63}");

    private ReleaseVersion() { }

    /** Whether {@code version} can name a release. */
    public static boolean isValid(String version) {
        return version != null && VALID.matcher(version).matches();
    }

    /**
     * Returns {@code version} if it can name a release.
     *
     * @throws UpgradeException ({@link UpgradeException.Kind#REFUSED}) if it cannot
     */
    public static String requireValid(String version) {
        if (!isValid(version)) {
            throw new UpgradeException(UpgradeException.Kind.REFUSED, "version " + quote(version)
                    + " is not a release name (1 to 64 letters, digits, '.', '_', '+' or '-', starting with a letter or digit)");
        }
        return version;
    }

    /**
     * Orders release names: they are split at {@code .}, {@code _}, {@code +} and {@code -}, and
     * compared part by part, numbers by value and other parts as text (a number ranks above
     * text); when one name runs out of parts first, it is the lower. So {@code 1.9 < 1.10} and
     * {@code 1.3 < 1.3-b}.
     */
    public static int compare(String a, String b) {
        String[] x = a.split("[._+-]");
        String[] y = b.split("[._+-]");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = comparePart(x[i], y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private static int comparePart(String a, String b) {
        boolean numA = !a.isEmpty() && a.chars().allMatch(Character::isDigit);
        boolean numB = !b.isEmpty() && b.chars().allMatch(Character::isDigit);
        if (numA && numB) {
            String p = a.replaceFirst("^0+(?=.)", "");
            String q = b.replaceFirst("^0+(?=.)", "");
            return p.length() != q.length() ? Integer.compare(p.length(), q.length()) : p.compareTo(q);
        }
        if (numA != numB) {
            return numA ? 1 : -1;
        }
        return a.compareTo(b);
    }

    /** The value in quotes, shortened and with control characters escaped, for messages. */
    static String quote(String value) {
        if (value == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("'");
        int limit = Math.min(value.length(), 80);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (value.length() > limit) {
            b.append("...");
        }
        return b.append('\'').toString();
    }
}
