package io.opsagent.fsm.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.ProtocolLimits;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoundStoreTest {

    @TempDir
    Path dir;

    private static PersistedRound sample() {
        JsonObject p = new JsonObject();
        p.addProperty("cmd", "echo héllo");
        p.addProperty("timeout", 30);
        RecipeMetadata recipe = RecipeMetadata.of(12, List.of(
                io.opsagent.fsm.testutil.Json.state("a", "linux.cmd", p), io.opsagent.fsm.testutil.Json.state("w", "meta.wait", null)));
        return new PersistedRound(recipe, 1, 2, true, Set.of("w", "v"), 3, new AgentUpdate("2.0", null));
    }

    @Test
    void savedRoundComesBackExactlyWithOwnerOnlyMode() throws IOException {
        RoundStore store = new RoundStore(dir);
        store.save(sample());
        store.flush();

        assertThat(new RoundStore(dir).load()).contains(sample());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file()))).isEqualTo("rw-------");
    }

    @Test
    void theNewestOfManySavesWins() {
        RoundStore store = new RoundStore(dir);
        for (int i = 0; i < 200; i++) {
            PersistedRound s = sample();
            store.save(new PersistedRound(s.recipe(), i % 2, 1, true, Set.of(), i, null));
        }
        store.flush();
        assertThat(new RoundStore(dir).load()).get().extracting(PersistedRound::consecutiveFailedRounds)
                .isEqualTo(199);
    }

    @Test
    void noFileMeansNoRound() {
        assertThat(new RoundStore(dir).load()).isEmpty();
    }

    @Test
    void truncatedFileIsMovedAsideAndTheAgentStartsClean() throws IOException {
        RoundStore store = new RoundStore(dir);
        store.save(sample());
        store.flush();
        byte[] bytes = Files.readAllBytes(store.file());
        Files.write(store.file(), java.util.Arrays.copyOf(bytes, bytes.length / 2));

        assertThat(new RoundStore(dir).load()).isEmpty();
        assertThat(store.file()).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.startsWith("round.json.corrupt-"));
        }
    }

    @Test
    void everyKindOfDamageIsDetected() throws IOException {
        RoundStore store = new RoundStore(dir);
        String good = store.encode(sample());
        List<String> damaged = List.of(
                "",
                "garbage",
                good.replace("\"index\":1", "\"index\":7"),
                good.replaceFirst("opsagent-round 1 [0-9a-f]{4}", "opsagent-round 1 0000"),
                good.substring(0, good.indexOf('\n') + 1) + "{\"recipe\":5}",
                recomputed(store, good.replace("\"index\":1", "\"index\":9"), "\"index\":9"));
        for (String content : damaged) {
            Files.writeString(store.file(), content, StandardCharsets.UTF_8);
            assertThat(new RoundStore(dir).load()).as(content).isEmpty();
            assertThat(store.file()).doesNotExist();
        }
    }

    @Test
    void aRecipeOfTenThousandStatesComesBackExactly() {
        List<RecipeState> states = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            JsonObject p = new JsonObject();
            p.addProperty("cmd", "echo " + i + " \u2028 \"quoted\"");
            p.add("n", com.google.gson.JsonParser.parseString("[1, 2.50, 1e3, null, true, {}]"));
            states.add(io.opsagent.fsm.testutil.Json.state("s" + i, "linux.cmd", p));
        }
        PersistedRound round = new PersistedRound(RecipeMetadata.of(5, states), 9_999, 1, true, Set.of(), 0, null);
        RoundStore store = new RoundStore(dir);
        store.save(round);
        store.flush();

        assertThat(new RoundStore(dir).load()).contains(round);
    }

    @Test
    void aStoredRecipeBeyondTheLimitsIsMovedAsideAndTheAgentStartsClean() throws IOException {
        RoundStore store = new RoundStore(dir);
        store.save(sample());
        store.flush();
        ProtocolCodec oneState = new ProtocolCodec(new ProtocolLimits(1024, 1, 1024, 100, 128));

        assertThat(new RoundStore(dir, oneState).load()).isEmpty();
        assertThat(store.file()).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.startsWith("round.json.corrupt-"));
        }
    }

    /** A file whose checksum matches a body that is still invalid (index out of range). */
    private static String recomputed(RoundStore store, String tampered, String marker) {
        String body = tampered.substring(tampered.indexOf('\n') + 1).strip();
        assertThat(body).contains(marker);
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            return "opsagent-round 1 " + java.util.HexFormat.of().formatHex(d.digest(body.getBytes(StandardCharsets.UTF_8)))
                    + "\n" + body + "\n";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
