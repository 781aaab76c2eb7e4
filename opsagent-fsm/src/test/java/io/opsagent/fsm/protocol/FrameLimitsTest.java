package io.opsagent.fsm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The size limit and the nesting limit: both reject with a ProtocolException, never anything else. */
class FrameLimitsTest {

    private static final String PREFIX = "{\"code\":\"AppNotReady\",\"x\":"; // 26 chars

    private final ProtocolCodec codec = new ProtocolCodec();

    /** An AppNotReady frame of exactly {@code bytes} bytes, padded with {@code pad} (1 to 4 bytes each). */
    private static String frameOfBytes(int bytes, String pad) {
        String head = PREFIX + "\"";
        String tail = "\"}";
        int padBytes = pad.getBytes(StandardCharsets.UTF_8).length;
        int room = bytes - head.length() - tail.length();
        String frame = head + pad.repeat(room / padBytes) + "a".repeat(room % padBytes) + tail;
        assertThat(frame.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
        return frame;
    }

    // ---------------------------------------------------------------- size

    @Test
    void defaultLimitIs16MiB() {
        assertThat(codec.maxFrameBytes()).isEqualTo(16 * 1024 * 1024).isEqualTo(ProtocolCodec.DEFAULT_MAX_FRAME_BYTES);
    }

    @Test
    void twentyMiBFrameIsRejectedWithItsByteCount() {
        String frame = frameOfBytes(20 * 1024 * 1024, "a");

        assertThatThrownBy(() -> codec.decodeBackendMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("frame of 20971520 bytes exceeds the limit of 16777216 bytes");
    }

    @Test
    void frameOfExactlyTheDefaultLimitIsAccepted() {
        assertThat(codec.decodeBackendMessage(frameOfBytes(16 * 1024 * 1024, "a"))).isEqualTo(new AppNotReady());
    }

    @Test
    void frameJustUnderASmallCustomLimitIsAccepted() {
        ProtocolCodec small = new ProtocolCodec(100);

        assertThat(small.decodeBackendMessage(frameOfBytes(99, "a"))).isEqualTo(new AppNotReady());
        assertThat(small.decodeBackendMessage(frameOfBytes(100, "a"))).isEqualTo(new AppNotReady());
        assertThatThrownBy(() -> small.decodeBackendMessage(frameOfBytes(101, "a")))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("frame of 101 bytes exceeds the limit of 100 bytes");
    }

    @Test
    void limitCountsUtf8BytesNotCharacters() {
        ProtocolCodec small = new ProtocolCodec(100);
        String twoByte = frameOfBytes(100, "é");
        String threeByte = frameOfBytes(101, "€");
        String fourByte = frameOfBytes(102, "😀");

        assertThat(twoByte.length()).isLessThan(100);
        assertThat(small.decodeBackendMessage(twoByte)).isEqualTo(new AppNotReady());
        assertThatThrownBy(() -> small.decodeBackendMessage(threeByte))
                .hasMessage("frame of 101 bytes exceeds the limit of 100 bytes");
        assertThatThrownBy(() -> small.decodeBackendMessage(fourByte))
                .hasMessage("frame of 102 bytes exceeds the limit of 100 bytes");
    }

    @Test
    void utf8LengthAgreesWithTheEncoder() {
        for (String s : List.of("", "a", "é", "€", "😀", "a😀é€\u0000\u007f\u0080\u07ff\u0800\uffff", "中文 текст")) {
            assertThat(ProtocolCodec.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void limitMustBePositive() {
        assertThatThrownBy(() -> new ProtocolCodec(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxFrameBytes must be positive, got 0");
    }

    // ---------------------------------------------------------------- nesting

    @Test
    void tenThousandNestedArraysInsideAFieldAreRejectedAtLevel129() {
        String frame = PREFIX + "[".repeat(10_000) + "]".repeat(10_000) + "}";

        // the frame object is level 1, so the 128th "[" (column 26 + 128) opens level 129
        assertThatThrownBy(() -> codec.decodeBackendMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("frame is nested deeper than 128 levels at line 1 column 154");
    }

    @Test
    void tenThousandNestedArraysInARecipeParameterAreRejected() {
        String head = "{\"code\":\"RecipeMetadata\",\"recipe_version\":1,\"state\":[{\"id\":\"a\",\"module\":\"m\","
                + "\"parameter\":{\"p\":";
        String frame = head + "[".repeat(10_000) + "]".repeat(10_000) + "}}]}";

        // levels before the first "[": frame, state, state[0], parameter = 4; so the 125th "[" opens level 129
        assertThatThrownBy(() -> codec.decodeBackendMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("frame is nested deeper than 128 levels at line 1 column " + (head.length() + 125));
    }

    @Test
    void tenThousandNestedObjectsAreRejected() {
        String frame = PREFIX + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}";

        // the n-th nested "{" is at column 26 + 5 * (n - 1) + 1 and opens level n + 1
        assertThatThrownBy(() -> codec.decodeBackendMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("frame is nested deeper than 128 levels at line 1 column " + (26 + 5 * 127 + 1));
    }

    @Test
    void deepNestingIsRejectedEvenWhenTheFrameIsAlsoUnterminated() {
        String frame = PREFIX + "[".repeat(100_000);

        assertThatThrownBy(() -> codec.decodeBackendMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("frame is nested deeper than 128 levels at line 1 column 154");
    }

    @Test
    void nestingOfExactly128LevelsIsAccepted() {
        String frame = PREFIX + "[".repeat(127) + "]".repeat(127) + "}";

        assertThat(codec.decodeBackendMessage(frame)).isEqualTo(new AppNotReady());
    }

    @Test
    void bracketsInsideStringsAreNotNesting() {
        String frame = PREFIX + "\"\\\"" + "[{".repeat(10_000) + "\\\\\"}";

        assertThat(codec.decodeBackendMessage(frame)).isEqualTo(new AppNotReady());
    }

    @Test
    void deepNestingIsRejectedOnASmallStackToo() throws InterruptedException {
        // given a thread with a stack far too small for a recursive parse of 10,000 levels
        String frame = PREFIX + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        Throwable[] thrown = new Throwable[1];
        Thread small = new Thread(null, () -> {
            try {
                codec.decodeBackendMessage(frame);
            } catch (Throwable t) {
                thrown[0] = t;
            }
        }, "small-stack", 128 * 1024);

        // when
        small.start();
        small.join();

        // then
        assertThat(thrown[0]).isInstanceOf(ProtocolException.class);
    }
}
