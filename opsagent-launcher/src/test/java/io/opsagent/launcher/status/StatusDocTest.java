package io.opsagent.launcher.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.RoundState;
import io.opsagent.launcher.testing.RepositoryFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docs/status.md names exactly the states the library has. */
class StatusDocTest {

    private static final Pattern CODE = Pattern.compile("`([A-Z_]{3,})`");

    private static Set<String> namesInRow(String field) throws IOException {
        for (String line : Files.readAllLines(RepositoryFiles.resolve("docs/status.md"), StandardCharsets.UTF_8)) {
            if (line.startsWith("| `" + field + "` |")) {
                Set<String> names = new LinkedHashSet<>();
                Matcher m = CODE.matcher(line);
                while (m.find()) {
                    names.add(m.group(1));
                }
                return names;
            }
        }
        throw new AssertionError("docs/status.md has no row for " + field);
    }

    @Test
    void theConnectionStatesAreTheLibrarysOwnAndTheWaitForTheInstanceId() throws IOException {
        assertThat(namesInRow("connection_state")).containsExactlyInAnyOrderElementsOf(Stream.concat(
                Arrays.stream(ConnectionState.values()).map(Enum::name),
                Stream.of(AgentStatus.WAITING_FOR_INSTANCE_ID)).toList());
    }

    @Test
    void theRoundStatesAreTheLibrarysOwn() throws IOException {
        assertThat(namesInRow("round_state")).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(RoundState.values()).map(Enum::name).toList());
    }
}
