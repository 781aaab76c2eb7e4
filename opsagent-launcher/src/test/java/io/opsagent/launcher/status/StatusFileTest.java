package io.opsagent.launcher.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.launcher.testing.StatusSamples;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusFileTest {

    @TempDir
    Path dir;

    static AgentStatus sample() {
        return StatusSamples.executing();
    }

    @Test
    void whatIsWrittenIsReadBack() {
        StatusFile file = new StatusFile(dir.resolve("status.json"));

        file.write(sample());

        assertThat(file.read()).contains(sample());
    }

    @Test
    void theDroppedInputsAreWrittenAndReadBack() throws IOException {
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        AgentStatus s = sample();
        AgentStatus counted = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                s.connectionState(), s.backendUri(), s.roundState(), s.recipeVersion(), s.stateCount(),
                s.currentState(), null, null, s.lastResults(), s.outboxDepth(), null, null, null,
                new AgentStatus.DroppedInputs(1, 2, 3, 4, 5, 6, 7, 8));

        file.write(counted);

        assertThat(file.read()).contains(counted);
        assertThat(Files.readString(file.file())).contains("\"stale_timers\": 4", "\"action_failures\": 8");
    }

    @Test
    void anInstanceIdProblemIsWrittenAndReadBack() throws IOException {
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        AgentStatus s = sample();
        AgentStatus waiting = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                "WAITING_FOR_INSTANCE_ID", s.backendUri(), "IDLE", null, 0, null, null, null, List.of(), 0, null,
                "cannot get the instance id from http://127.0.0.1:9/id: HTTP 403 (attempt 3)");

        file.write(waiting);

        assertThat(file.read()).contains(waiting);
        assertThat(Files.readString(file.file()))
                .contains("\"instance_id_problem\": \"cannot get the instance id from http://127.0.0.1:9/id: HTTP 403");
        file.write(s);
        assertThat(Files.readString(file.file())).contains("\"instance_id_problem\": null");
    }

    @Test
    void whatAWaitStateWaitsForIsWrittenAndReadBack() throws IOException {
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        AgentStatus s = sample();
        AgentStatus waiting = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                s.connectionState(), s.backendUri(), "WAITING_FOR_DONE", s.recipeVersion(), s.stateCount(),
                new AgentStatus.CurrentState(2, "wait-db", "meta.wait", 1, s.updatedAt(),
                        List.of("@{db.state.1}", "@{db.state.2}")),
                null, null, s.lastResults(), s.outboxDepth(), null);

        file.write(waiting);

        assertThat(file.read()).contains(waiting);
        assertThat(Files.readString(file.file())).contains("\"waiting_for\": [\n      \"@{db.state.1}\",");
        file.write(s);
        assertThat(Files.readString(file.file())).contains("\"waiting_for\": null");
        assertThat(file.read().orElseThrow().currentState().waitingFor()).isNull();
    }

    @Test
    void theDocumentUsesTheDocumentedFieldNames() throws IOException {
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        file.write(sample());

        String json = Files.readString(file.file());

        assertThat(json).contains("\"schema_version\": 1", "\"agent_version\": \"0.1.0\"", "\"pid\": 4242",
                "\"started_at\": \"2026-11-26T16:37:00Z\"", "\"updated_at\": \"2026-11-26T16:40:03.120Z\"",
                "\"connection_state\": \"CONNECTED\"", "\"backend_uri\": \"wss://backend.example/agent/\"",
                "\"round_state\": \"EXECUTING\"", "\"recipe_version\": 42", "\"state_count\": 3",
                "\"current_state\": {", "\"index\": 1", "\"attempt\": 2", "\"next_round_at\": null",
                "\"last_results\": [", "\"result\": true", "\"finished_at\": \"2026-11-26T16:40:01Z\"",
                "\"outbox_depth\": 5");
    }

    @Test
    void eachWriteReplacesTheWholeFileAndLeavesNoTemporaryFiles() throws IOException {
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        AgentStatus idle = new AgentStatus("0.1.0", 1, Instant.EPOCH, Instant.EPOCH, "DISCONNECTED", null, "IDLE",
                null, 0, null, Instant.parse("2026-11-26T16:50:00Z"), List.of(), 0);

        for (int i = 0; i < 20; i++) {
            file.write(i % 2 == 0 ? sample() : idle);
        }

        assertThat(file.read()).contains(idle);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("status.json");
        }
    }

    @Test
    void theFileIsReadableByItsOwnerOnlyEvenWhenAnOlderOneWasNot() throws IOException {
        StatusFile file = new StatusFile(dir.resolve("status.json"));
        Files.writeString(file.file(), "{}");
        Files.setPosixFilePermissions(file.file(), PosixFilePermissions.fromString("rw-r--r--"));

        file.write(sample());

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.file()))).isEqualTo("rw-------");
    }

    @Test
    void noFileMeansNoStatusYet() {
        assertThat(new StatusFile(dir.resolve("status.json")).read()).isEmpty();
    }

    @Test
    void fieldsItDoesNotKnowAreIgnored() throws IOException {
        Path path = dir.resolve("status.json");
        Files.writeString(path, "{\"schema_version\":1,\"agent_version\":\"0.2.0\",\"pid\":7,"
                + "\"started_at\":\"2026-01-01T00:00:00Z\",\"updated_at\":\"2026-01-01T00:00:01Z\","
                + "\"connection_state\":\"CONNECTING\",\"round_state\":\"IDLE\",\"future_field\":{\"x\":1}}");

        AgentStatus status = new StatusFile(path).read().orElseThrow();

        assertThat(status.agentVersion()).isEqualTo("0.2.0");
        assertThat(status.recipeVersion()).isNull();
        assertThat(status.lastResults()).isEmpty();
    }

    @Test
    void aBrokenOrForeignDocumentIsAClearError() throws IOException {
        Path path = dir.resolve("status.json");
        StatusFile file = new StatusFile(path);

        Files.writeString(path, "{\"schema_version\": 1,");
        assertThatThrownBy(file::read).isInstanceOf(StatusFileException.class)
                .hasMessageStartingWith("status file " + path + " is not valid JSON");

        Files.writeString(path, "[]");
        assertThatThrownBy(file::read).hasMessage("status file " + path + " is not a JSON object");

        Files.writeString(path, "{\"schema_version\": 2}");
        assertThatThrownBy(file::read).hasMessage("status file " + path
                + " was written by a newer agent (schema_version 2); this opsagent reads 1");

        Files.writeString(path, "{\"schema_version\": 1, \"agent_version\": \"x\"}");
        assertThatThrownBy(file::read).hasMessage("status file " + path + " misses field 'pid'");

        Files.writeString(path, "{\"schema_version\": 1, \"agent_version\": \"x\", \"pid\": \"12\"}");
        assertThatThrownBy(file::read).hasMessage("status file " + path + " field 'pid' must be a number");
    }

    @Test
    void writingIntoAMissingDirectoryNamesTheFile() {
        StatusFile file = new StatusFile(dir.resolve("gone/status.json"));

        assertThatThrownBy(() -> file.write(sample()))
                .isInstanceOf(StatusFileException.class)
                .hasMessageStartingWith("cannot write status file " + dir.resolve("gone/status.json"));
    }
}
