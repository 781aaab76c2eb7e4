package io.opsagent.fsm.internal.exec.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputCollectorTest {

    @Test
    void shortOutputIsKeptWhole() {
        CapturedOutput out = collect(new ByteArrayInputStream("héllo ✓\n".getBytes(StandardCharsets.UTF_8)), OutputLimit.of(100, 100));
        assertThat(out.text()).isEqualTo("héllo ✓\n");
        assertThat(out.truncated()).isFalse();
    }

    @Test
    void aHundredMebibyteFloodKeepsOnlyHeadAndTail() {
        long size = 100L * 1024 * 1024;
        CapturedOutput out = collect(new Flood(size), OutputLimit.of(1000, 500));
        assertThat(out.totalBytes()).isEqualTo(size);
        assertThat(out.head()).hasSize(1000);
        assertThat(out.tail()).hasSize(500);
        assertThat(out.omittedBytes()).isEqualTo(size - 1500);
        assertThat(out.text()).startsWith("abcdefghij").contains("[... " + (size - 1500) + " bytes omitted ...]");
    }

    @Test
    void theTailHoldsTheLastBytesInOrder() {
        byte[] data = "0123456789".repeat(10).getBytes(StandardCharsets.US_ASCII);
        CapturedOutput out = collect(new ByteArrayInputStream(data), OutputLimit.of(5, 7));
        assertThat(new String(out.head(), StandardCharsets.US_ASCII)).isEqualTo("01234");
        assertThat(new String(out.tail(), StandardCharsets.US_ASCII)).isEqualTo("3456789");
    }

    @Test
    void cutCharactersAreDroppedAtTheSeams() {
        byte[] data = "✓✓✓✓✓✓✓✓✓✓".getBytes(StandardCharsets.UTF_8); // 30 bytes, 3 per character
        CapturedOutput out = collect(new ByteArrayInputStream(data), OutputLimit.of(4, 4));
        assertThat(out.text()).doesNotContain("\uFFFD").startsWith("✓").endsWith("✓");
    }

    private static CapturedOutput collect(InputStream in, OutputLimit limit) {
        OutputCollector c = new OutputCollector(in, limit);
        c.run();
        return c.done().join();
    }

    /** An endless-looking stream of letters that allocates nothing per byte. */
    private static final class Flood extends InputStream {
        private long left;

        Flood(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left <= 0) {
                return -1;
            }
            left--;
            return 'a';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) ('a' + (i % 26));
            }
            left -= n;
            return n;
        }
    }
}
