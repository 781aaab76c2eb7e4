package io.opsagent.fsm.internal.exec.process;

import io.opsagent.fsm.internal.exec.TextCaps;
import java.nio.charset.StandardCharsets;

/**
 * What was kept of one output stream: its beginning, its end, and how many bytes it had in all.
 *
 * @param head the first bytes
 * @param tail the last bytes that followed the head (empty when nothing was dropped)
 * @param totalBytes how many bytes the stream carried
 */
public record CapturedOutput(byte[] head, byte[] tail, long totalBytes) {

    /** Nothing captured. */
    public static final CapturedOutput EMPTY = new CapturedOutput(new byte[0], new byte[0], 0);

    /** How many bytes were read but not kept. */
    public long omittedBytes() {
        return totalBytes - head.length - tail.length;
    }

    public boolean truncated() {
        return omittedBytes() > 0;
    }

    /** The kept bytes as UTF-8 text, with a marker where bytes were dropped. */
    public String text() {
        if (!truncated()) {
            byte[] all = new byte[head.length + tail.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(tail, 0, all, head.length, tail.length);
            return new String(all, StandardCharsets.UTF_8);
        }
        int headEnd = completeCharactersEnd(head);
        int tailStart = 0;
        while (tailStart < tail.length && tailStart < 3 && (tail[tailStart] & 0xC0) == 0x80) {
            tailStart++;
        }
        long omitted = omittedBytes() + (head.length - headEnd) + tailStart;
        return new String(head, 0, headEnd, StandardCharsets.UTF_8)
                + TextCaps.omittedMarker(omitted)
                + new String(tail, tailStart, tail.length - tailStart, StandardCharsets.UTF_8);
    }

    /** The length of the longest prefix of {@code b} that does not end inside a UTF-8 character. */
    private static int completeCharactersEnd(byte[] b) {
        int i = b.length - 1;
        while (i >= 0 && i > b.length - 4 && (b[i] & 0xC0) == 0x80) {
            i--;
        }
        if (i < 0) {
            return b.length;
        }
        int lead = b[i] & 0xFF;
        int length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return i + length > b.length ? i : b.length;
    }
}
