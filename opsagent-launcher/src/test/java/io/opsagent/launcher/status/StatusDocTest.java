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

/** docs/status.md names exactly the states the library has, and every field the status file has. */
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

    @Test
    void everyFieldTheStatusFileWritesHasARow() throws IOException {
        AgentStatus full = new AgentStatus("0.1.0", 1, java.time.Instant.EPOCH, java.time.Instant.EPOCH, "ONLINE", null,
                "EXECUTING", 3L, 1, new AgentStatus.CurrentState(0, "a", "linux.cmd", 1, java.time.Instant.EPOCH), null,
                null, java.util.List.of(new AgentStatus.StateOutcome("a", "linux.cmd", true, null,
                        java.time.Instant.EPOCH)), 0,
                new AgentStatus.RejectedRecipe(2, "why", java.time.Instant.EPOCH), null,
                new AgentStatus.RefusedFrame("maxStates", 4, 3, null, "why", java.time.Instant.EPOCH),
                new AgentStatus.DroppedInputs(1, 2, 3, 4, 5, 6, 7, 8));
        String doc = Files.readString(RepositoryFiles.resolve("docs/status.md"), StandardCharsets.UTF_8);
        Set<String> fields = new LinkedHashSet<>();
        collect("", StatusFile.toJsonTree(full), fields);
        assertThat(fields).isNotEmpty().allSatisfy(f -> assertThat(doc).as("a row for " + f).contains("| `" + f + "` |"));
    }

    private static void collect(String prefix, com.google.gson.JsonObject o, Set<String> into) {
        for (String key : o.keySet()) {
            into.add(prefix + key);
            com.google.gson.JsonElement e = o.get(key);
            if (e.isJsonObject()) {
                collect(prefix + key + ".", e.getAsJsonObject(), into);
            } else if (e.isJsonArray() && e.getAsJsonArray().size() > 0 && e.getAsJsonArray().get(0).isJsonObject()) {
                collect(prefix + key + "[].", e.getAsJsonArray().get(0).getAsJsonObject(), into);
            }
        }
    }
}
