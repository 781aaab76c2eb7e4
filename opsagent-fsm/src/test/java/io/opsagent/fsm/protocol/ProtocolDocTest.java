package io.opsagent.fsm.protocol;

import static io.opsagent.fsm.protocol.Samples.canonical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/protocol.md cannot drift: each example frame marked {@code <!-- sample: NAME -->} is the
 * golden sample NAME, and each {@code frame:}/{@code error:} pair in the block marked
 * {@code <!-- checked: rejects -->} is the codec's exact rejection.
 */
class ProtocolDocTest {

    private static final Path DOC = Path.of("..", "docs", "protocol.md"); // tests run in opsagent-fsm/

    private static final Pattern SAMPLE = Pattern.compile("<!-- sample: (\\S+) -->\\n```json\\n(.*?)\\n```", Pattern.DOTALL);
    private static final Pattern REJECTS = Pattern.compile("<!-- checked: rejects -->\\n```text\\n(.*?)\\n```", Pattern.DOTALL);

    private final ProtocolCodec codec = new ProtocolCodec();

    private static String doc() throws IOException {
        return Files.readString(DOC, StandardCharsets.UTF_8);
    }

    @Test
    void everyExampleFrameIsItsGoldenSample() throws IOException {
        Matcher m = SAMPLE.matcher(doc());
        List<String> checked = new ArrayList<>();
        while (m.find()) {
            assertThat(canonical(m.group(2))).as("example %s in %s", m.group(1), DOC)
                    .isEqualTo(canonical(Samples.text(m.group(1))));
            checked.add(m.group(1));
        }
        assertThat(checked).as("examples found in %s", DOC).hasSizeGreaterThanOrEqualTo(12);
    }

    @Test
    void everyQuotedRejectionIsTheCodecsExactMessage() throws IOException {
        Matcher m = REJECTS.matcher(doc());
        assertThat(m.find()).as("a rejects block in %s", DOC).isTrue();
        String[] lines = m.group(1).split("\n");
        assertThat(lines.length % 2).as("frame/error lines come in pairs").isZero();
        for (int i = 0; i < lines.length; i += 2) {
            assertThat(lines[i]).startsWith("frame: ");
            assertThat(lines[i + 1]).startsWith("error: ");
            String frame = lines[i].substring("frame: ".length());
            String error = lines[i + 1].substring("error: ".length());
            assertThatThrownBy(() -> codec.decodeBackendMessage(frame))
                    .as("frame %s", frame)
                    .isInstanceOf(ProtocolException.class)
                    .hasMessage(error);
        }
        assertThat(lines.length / 2).isGreaterThanOrEqualTo(10);
    }
}
