package io.opsagent.launcher.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.launcher.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The live line of {@code apply} on a terminal, driven by a clock the test moves. */
class LiveLineTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final ManualClock clock = new ManualClock();

    private String taken() {
        String text = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        return text;
    }

    @Test
    void showsTheRunningStateAndItsElapsedSecondsOnOneRewrittenLine() {
        LiveLine live = new LiveLine(out, clock, 3);

        live.tick();
        assertThat(taken()).as("nothing before the first state").isEmpty();

        live.stateStarted(1, 0, TestStates.state("web-conf", "linux.cmd", new JsonObject()));
        assertThat(taken()).isEqualTo("\rstate 1 of 3: web-conf (linux.cmd), 0 s");

        clock.advance(Duration.ofMillis(12_400));
        live.tick();
        assertThat(taken()).isEqualTo("\rstate 1 of 3: web-conf (linux.cmd), 12 s");

        live.stateStarted(1, 1, TestStates.state("b", "linux.cmd", new JsonObject()));
        String shorter = "\rstate 2 of 3: b (linux.cmd), 0 s";
        assertThat(taken()).as("padded over the longer line before it")
                .isEqualTo(shorter + " ".repeat("state 1 of 3: web-conf (linux.cmd), 12 s".length() - shorter.length() + 1));
    }

    @Test
    void aLongStateIdIsCutSoTheLineNeverWraps() {
        LiveLine live = new LiveLine(out, clock, 1);

        live.stateStarted(1, 0, TestStates.state("x".repeat(200), "linux.cmd", new JsonObject()));

        String text = taken();
        assertThat(text).startsWith("\rstate 1 of 1: xxx").endsWith("x..., 0 s");
        assertThat(text).hasSize(1 + LiveLine.WIDTH);
    }

    @Test
    void clearBlanksTheLineAndLaterTicksPrintNothing() {
        LiveLine live = new LiveLine(out, clock, 1);
        live.stateStarted(1, 0, TestStates.state("a", "linux.cmd", new JsonObject()));
        String line = taken().substring(1);

        live.clear();
        assertThat(taken()).isEqualTo("\r" + " ".repeat(line.length()) + "\r");

        clock.advance(Duration.ofSeconds(5));
        live.tick();
        live.clear();
        assertThat(taken()).isEmpty();
    }
}
