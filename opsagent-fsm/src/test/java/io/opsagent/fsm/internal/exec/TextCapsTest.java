package io.opsagent.fsm.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TextCapsTest {

    @Test
    void shortTextIsKept() {
        assertThat(TextCaps.cap("hello", 100)).isEqualTo("hello");
        assertThat(TextCaps.capReport(null)).isNull();
    }

    @Test
    void longTextKeepsHeadAndTailWithinTheCap() {
        String text = "A".repeat(5000) + "B".repeat(5000);
        String capped = TextCaps.cap(text, 1000);
        assertThat(capped.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1000);
        assertThat(capped).startsWith("AAAA").endsWith("BBBB").contains("bytes omitted");
    }

    @Test
    void cappingNeverSplitsACharacter() {
        String text = "é✓".repeat(3000);
        String capped = TextCaps.cap(text, 1001);
        assertThat(capped).doesNotContain("\uFFFD");
        assertThat(capped.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1001);
    }

    @Test
    void reportCapIs64KiB() {
        String capped = TextCaps.capReport("x".repeat(200_000));
        assertThat(capped.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64 * 1024);
        assertThat(capped).contains("[... ").contains(" bytes omitted ...]");
    }

    @Test
    void durationsReadAsSeconds() {
        assertThat(DurationText.seconds(Duration.ofSeconds(600))).isEqualTo("600 s");
        assertThat(DurationText.seconds(Duration.ofMillis(500))).isEqualTo("0.5 s");
        assertThat(DurationText.seconds(Duration.ofMillis(1250))).isEqualTo("1.25 s");
    }
}
