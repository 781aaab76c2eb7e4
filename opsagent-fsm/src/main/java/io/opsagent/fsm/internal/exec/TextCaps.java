package io.opsagent.fsm.internal.exec;

import java.nio.charset.StandardCharsets;

/**
 * Size caps for the text an executor reports, so one state cannot flood the backend.
 *
 * <p>{@code state_comment} and {@code state_stdout} are each capped at {@link #REPORT_CAP_BYTES}
 * bytes of UTF-8: a longer text keeps its beginning and its end, with a marker in between that
 * says how many bytes were left out.
 */
public final class TextCaps {

    /** The cap on a reported comment and on reported output: 64 KiB of UTF-8 each. */
    public static final int REPORT_CAP_BYTES = 64 * 1024;

    private TextCaps() {
    }

    /** {@code text} cut to at most {@link #REPORT_CAP_BYTES} bytes of UTF-8 (null stays null). */
    public static String capReport(String text) {
        return cap(text, REPORT_CAP_BYTES);
    }

    /**
     * {@code text} cut to at most {@code maxBytes} bytes of UTF-8, keeping about two thirds from
     * the beginning and one third from the end, never splitting a character.
     */
    public static String cap(String text, int maxBytes) {
        if (text == null) {
            return null;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return text;
        }
        // the marker's length depends on the number it carries; 64 bytes is always enough
        int budget = Math.max(0, maxBytes - 64);
        int headLen = boundaryAtOrBefore(bytes, budget * 2 / 3);
        int tailStart = boundaryAtOrAfter(bytes, bytes.length - (budget - headLen));
        long omitted = (long) tailStart - headLen;
        return new String(bytes, 0, headLen, StandardCharsets.UTF_8)
                + omittedMarker(omitted)
                + new String(bytes, tailStart, bytes.length - tailStart, StandardCharsets.UTF_8);
    }

    /** The marker put where bytes were left out. */
    public static String omittedMarker(long omittedBytes) {
        return "\n[... " + omittedBytes + " bytes omitted ...]\n";
    }

    private static int boundaryAtOrBefore(byte[] b, int index) {
        int i = Math.max(0, Math.min(index, b.length));
        while (i > 0 && i < b.length && isContinuation(b[i])) {
            i--;
        }
        return i;
    }

    private static int boundaryAtOrAfter(byte[] b, int index) {
        int i = Math.max(0, Math.min(index, b.length));
        while (i < b.length && isContinuation(b[i])) {
            i++;
        }
        return i;
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
