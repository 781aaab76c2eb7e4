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
