package io.opsagent.fsm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The message records: immutable, never showing the instance token. */
class MessageTypesTest {

    private static final String TOKEN = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretSECRETsecret\n-----END RSA PRIVATE KEY-----";

    private final ProtocolCodec codec = new ProtocolCodec();

    @Test
    void handshakeToStringNeverContainsTheToken() {
        Handshake h = new Handshake("i-1", "app-1", "1.0", 1, TOKEN, null);

        assertThat(h.toString()).doesNotContain(TOKEN).doesNotContain("MIIEsecret").contains("<redacted>");
        assertThat(new TestReply(h).toString()).doesNotContain("MIIEsecret").contains("<redacted>");
    }

    @Test
    void decodedHandshakeToStringNeverContainsTheToken() {
        AgentMessage decoded = codec.decodeAgentMessage(codec.encode(new Handshake("i-1", "app-1", "1.0", 1, TOKEN, null)));

        assertThat(((Handshake) decoded).instanceToken()).isEqualTo(TOKEN);
        assertThat(decoded.toString()).doesNotContain("MIIEsecret");
    }

    @Test
    void errorAboutAHandshakeNeverEchoesTheToken() {
        String frame = codec.encode(new Handshake("i-1", "app-1", "1.0", 1, TOKEN, null))
                .replace("\"protocol_version\":1", "\"protocol_version\":\"1\"");

        assertThatThrownBy(() -> codec.decodeAgentMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("protocol_version: expected a positive integer, got string \"1\"")
                .message().doesNotContain("MIIEsecret");
    }

    @Test
    void recipeStateParameterCannotBeChangedFromOutside() {
        java.util.Map<String, Object> given = new java.util.LinkedHashMap<>();
        given.put("cmd", "true");
        RecipeState state = new RecipeState("a", "linux.cmd", StateParameters.of(given));

        given.put("cmd", "rm -rf /");

        assertThat(state.parameters().requiredString("cmd")).isEqualTo("true");
        assertThat(state.parameters().keys()).containsExactly("cmd");
    }

    @Test
    void stateParameterErrorsNameTheStateAndTheKey() {
        RecipeState state = new RecipeState("web-conf", "linux.file",
                StateParameters.parse("{\"mode\": true, \"n\": \"x\"}"));

        assertThatThrownBy(() -> state.parameters().string("mode"))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessage("state 'web-conf' (linux.file): parameter 'mode' must be a string, got boolean true");
        assertThatThrownBy(() -> state.parameters().integer("n"))
                .hasMessage("state 'web-conf' (linux.file): parameter 'n' must be a whole number, got string \"x\"");
        assertThatThrownBy(() -> state.parameters().requiredString("path"))
                .hasMessage("state 'web-conf' (linux.file): missing required parameter 'path'");
        assertThatThrownBy(() -> StateParameters.parse("[1]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parameters must be a JSON object, got a list of 1");
        assertThatThrownBy(() -> StateParameters.of(java.util.Map.of("when", java.time.Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter 'when' is a java.time.Duration");
    }

    @Test
    void listsInMessagesAreCopiesAndUnmodifiable() {
        List<RecipeState> states = new ArrayList<>(List.of(new RecipeState("a", "m", null)));
        List<String> waited = new ArrayList<>(List.of("w"));
        RecipeMetadata recipe = RecipeMetadata.of(1, states);
        WaitList list = new WaitList(1, waited);

        states.clear();
        waited.clear();

        assertThat(recipe.states().orElseThrow()).hasSize(1);
        assertThat(list.waited()).containsExactly("w");
        assertThatThrownBy(() -> recipe.states().orElseThrow().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> list.waited().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void requiredFieldsRejectNullAtConstruction() {
        assertThatThrownBy(() -> new StateDone(1, null)).isInstanceOf(NullPointerException.class).hasMessage("id");
        assertThatThrownBy(() -> new AgentUpdate(null, "u")).isInstanceOf(NullPointerException.class).hasMessage("version");
        assertThatThrownBy(() -> new StateLog("i", "a", 1, null, true, null, null, null))
                .isInstanceOf(NullPointerException.class).hasMessage("id");
        assertThatThrownBy(() -> new RecipeMetadata(1, null, Optional.empty()))
                .isInstanceOf(NullPointerException.class).hasMessage("module");
        assertThatThrownBy(() -> new RecipeState("a", null, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new TestReply(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void recipeVersionMustBePositive() {
        assertThatThrownBy(() -> RecipeMetadata.headerOnly(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("recipe_version must be positive, got 0");
    }

    @Test
    void withSeqSetsOnlyTheSequenceNumber() {
        StateLog log = new StateLog("i", "a", 3, "s", false, "c", "o", null);

        assertThat(log.withSeq(7)).isEqualTo(new StateLog("i", "a", 3, "s", false, "c", "o", 7L));
        assertThat(codec.toJson(log).has("seq")).isFalse();
        assertThat(codec.toJson(log.withSeq(7)).get("seq").getAsLong()).isEqualTo(7);
    }

    @Test
    void commentAndWaitStatesAreRecognisedByModule() {
        assertThat(new RecipeState("a", "meta.comment", null).isComment()).isTrue();
        assertThat(new RecipeState("a", "meta.wait", null).isWait()).isTrue();
        assertThat(new RecipeState("a", "linux.cmd", null).isWait()).isFalse();
    }
}
