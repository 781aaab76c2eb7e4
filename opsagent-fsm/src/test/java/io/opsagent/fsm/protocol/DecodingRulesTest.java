package io.opsagent.fsm.protocol;

import static io.opsagent.fsm.protocol.Samples.canonical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The choices the codec makes for aliases, nulls, unknown fields and text; see docs/protocol.md. */
class DecodingRulesTest {

    private final ProtocolCodec codec = new ProtocolCodec();

    private static String j(String frame) {
        return frame.replace('\'', '"');
    }

    private RecipeMetadata recipe(String frame) {
        return (RecipeMetadata) codec.decodeBackendMessage(j(frame));
    }

    @Test
    void stateidAliasIsAcceptedForARecipeState() {
        RecipeMetadata r = recipe("{'code':'RecipeMetadata','recipe_version':4,"
                + "'state':[{'stateid':'s-1','module':'linux.cmd','parameter':{'cmd':'true'}}]}");

        assertThat(r.states().orElseThrow()).extracting(RecipeState::id).containsExactly("s-1");
    }

    @Test
    void stateidAliasIsAcceptedForTheDoneOfAWaitState() {
        assertThat(codec.decodeBackendMessage(j("{'code':'State','recipe_version':4,'stateid':'w-1'}")))
                .isEqualTo(new StateDone(4, "w-1"));
    }

    @Test
    void stateidAliasIsAcceptedForAStateLogReceivedByABackend() {
        assertThat(codec.decodeAgentMessage(j("{'code':'StateLog','instance_id':'i','app_id':'a','recipe_version':4,"
                        + "'stateid':'s-1','state_result':true,'state_comment':null,'state_stdout':null}")))
                .isEqualTo(new StateLog("i", "a", 4, "s-1", true, null, null, null));
    }

    @Test
    void idWinsWhenBothIdAndStateidArePresent() {
        RecipeMetadata r = recipe("{'code':'RecipeMetadata','recipe_version':4,"
                + "'state':[{'id':'from-id','stateid':'from-stateid','module':'m','parameter':{}}]}");

        assertThat(r.states().orElseThrow().get(0).id()).isEqualTo("from-id");
    }

    @Test
    void stateidIsUsedWhenIdIsNull() {
        RecipeMetadata r = recipe("{'code':'RecipeMetadata','recipe_version':4,"
                + "'state':[{'id':null,'stateid':'from-stateid','module':'m','parameter':{}}]}");

        assertThat(r.states().orElseThrow().get(0).id()).isEqualTo("from-stateid");
    }

    @Test
    void missingParameterIsRejectedAsTheOriginalAgentDid() {
        assertThatThrownBy(() -> recipe("{'code':'RecipeMetadata','recipe_version':4,'state':[{'id':'a','module':'m'}]}"))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("state[0].parameter: required field is missing");
    }

    @Test
    void nullParameterIsRejected() {
        assertThatThrownBy(() -> recipe(
                "{'code':'RecipeMetadata','recipe_version':4,'state':[{'id':'a','module':'m','parameter':null}]}"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith("state[0].parameter: ");
    }

    @Test
    void nullModuleIsTreatedAsAbsent() {
        RecipeMetadata r = recipe("{'code':'RecipeMetadata','recipe_version':4,'module':null,'state':[]}");

        assertThat(r.module()).isEmpty();
        assertThat(codec.toJson(r).has("module")).isFalse();
    }

    @Test
    void nullStateIsHeaderOnlyLikeAnAbsentOne() {
        RecipeMetadata r = recipe("{'code':'RecipeMetadata','recipe_version':4,'state':null}");

        assertThat(r.isHeaderOnly()).isTrue();
        assertThat(r).isEqualTo(RecipeMetadata.headerOnly(4));
    }

    @Test
    void emptyStateArrayIsARealEmptyRecipeNotHeaderOnly() {
        RecipeMetadata r = recipe("{'code':'RecipeMetadata','recipe_version':4,'state':[]}");

        assertThat(r.isHeaderOnly()).isFalse();
        assertThat(r.states()).contains(List.of());
    }

    @Test
    void absentOrNullOptionalFieldsDecodeToNull() {
        assertThat(codec.decodeBackendMessage(j("{'code':'AgentUpdate','version':'1.1'}")))
                .isEqualTo(new AgentUpdate("1.1", null));
        assertThat(codec.decodeBackendMessage(j("{'code':'AgentUpdate','version':'1.1','url':null}")))
                .isEqualTo(new AgentUpdate("1.1", null));
        assertThat(codec.decodeBackendMessage(j("{'code':'TestAns'}"))).isEqualTo(new TestAns(null, null));
        assertThat(codec.decodeAgentMessage(j("{'code':'StateLog','recipe_version':1,'id':'a','state_result':false,"
                        + "'seq':null}")))
                .isEqualTo(new StateLog(null, null, 1, "a", false, null, null, null));
    }

    @Test
    void agentUpdateDowngradeIsAnOptionalBooleanFalseWhenAbsent() {
        assertThat(codec.decodeBackendMessage(j("{'code':'AgentUpdate','version':'1.1','downgrade':true}")))
                .isEqualTo(new AgentUpdate("1.1", null, true));
        assertThat(codec.decodeBackendMessage(j("{'code':'AgentUpdate','version':'1.1','downgrade':null}")))
                .isEqualTo(new AgentUpdate("1.1", null, false));
        assertThat(codec.encode(new AgentUpdate("1.1", null))).doesNotContain("downgrade");
        assertThat(codec.decodeBackendMessage(codec.encode(new AgentUpdate("1.1", null, true))))
                .isEqualTo(new AgentUpdate("1.1", null, true));
    }

    @Test
    void unknownFieldsAreIgnoredAtEveryLevel() {
        RecipeMetadata r = recipe("{'code':'RecipeMetadata','recipe_version':4,'priority':'high','extra':{'x':[1]},"
                + "'module':{'repo':'r','tag':'t','branch':'ignored'},"
                + "'state':[{'id':'a','module':'m','parameter':{'k':'v'},'_':'note','when':[]}]}");

        assertThat(r).isEqualTo(new RecipeMetadata(4, Optional.of(new ModuleRef("r", "t")),
                Optional.of(List.of(io.opsagent.fsm.testutil.Json.state("a", "m", JsonParser.parseString(j("{'k':'v'}"))
                        .getAsJsonObject())))));
        assertThat(codec.decodeBackendMessage(j("{'code':'AppNotReady','reason':'app is being created'}")))
                .isEqualTo(new AppNotReady());
        assertThat(codec.decodeBackendMessage(j("{'code':'StateLogAck','seq':3,'stored_at':1718000000}")))
                .isEqualTo(new StateLogAck(3));
    }

    @Test
    void duplicateKeyTakesTheLastValueAsTheOriginalDid() {
        // Python's json.loads keeps the last value of a repeated key; so does the codec.
        assertThat(recipe("{'code':'RecipeMetadata','recipe_version':1,'recipe_version':2}"))
                .isEqualTo(RecipeMetadata.headerOnly(2));
    }

    @Test
    void nonAsciiStringsRoundTrip() {
        // given text in several scripts, an emoji (a surrogate pair) and a line separator
        String text = "Fichier mis à jour — 已完成 ✓ ключ 😀 \u2028 end";
        StateLog log = new StateLog("i-ünïcode", "app-日本", 9, "état-1", true, text, "stdout: " + text, 5L);
        RecipeMetadata recipe = RecipeMetadata.of(9, List.of(io.opsagent.fsm.testutil.Json.state("état-1", "linux.file",
                JsonParser.parseString("{\"path\": \"/tmp/ünï\", \"content\": \"" + text + "\", \"キー\": \"値\"}")
                        .getAsJsonObject())));

        // when encoded and decoded again
        String logFrame = codec.encode(log);
        String recipeFrame = codec.encode(recipe);

        // then every string survives unchanged, and the text travels as UTF-8, not as escapes
        assertThat(codec.decodeAgentMessage(logFrame)).isEqualTo(log);
        assertThat(codec.decodeBackendMessage(recipeFrame)).isEqualTo(recipe);
        assertThat(logFrame).contains("已完成 ✓ ключ 😀");
    }

    @Test
    void escapedNonAsciiDecodesToTheSameTextAsRawNonAscii() {
        StateDone escaped = (StateDone) codec.decodeBackendMessage(
                "{\"code\":\"State\",\"recipe_version\":1,\"id\":\"\\u00e9tat-\\ud83d\\ude00\"}");
        StateDone raw = (StateDone) codec.decodeBackendMessage("{\"code\":\"State\",\"recipe_version\":1,\"id\":\"état-😀\"}");

        assertThat(escaped).isEqualTo(raw);
        assertThat(raw.id()).isEqualTo("état-😀");
    }

    @Test
    void parameterNumbersAndNullsPassThroughExactlyAsWritten() {
        String parameter = "{'big':123456789012345678901234567890,'fixed':1.10,'exp':6.02e23,'neg':-0,'none':null}";
        RecipeMetadata r = recipe("{'code':'RecipeMetadata','recipe_version':1,'state':[{'id':'a','module':'m',"
                + "'parameter':" + parameter + "}]}");

        String reEncoded = codec.toJson(r).getAsJsonArray("state").get(0).getAsJsonObject().get("parameter").toString();

        assertThat(canonical(reEncoded)).isEqualTo(canonical(j(parameter)));
    }
}
