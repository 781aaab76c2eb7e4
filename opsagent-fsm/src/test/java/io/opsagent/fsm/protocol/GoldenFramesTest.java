package io.opsagent.fsm.protocol;

import static io.opsagent.fsm.protocol.Samples.canonical;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every message against a frame in the original agent's exact shape: decoding the sample gives the
 * message, and encoding the message gives the sample (compared as JSON, so key order does not
 * matter but an explicit {@code null} does).
 */
class GoldenFramesTest {

    private static final String INSTANCE = "i-0a1b2c3d4e5f67890";
    private static final String APP = "app-5f3c2a1e";
    private static final String SALT_REPO = "https://github.com/MadeiraCloud/salt.git";

    private final ProtocolCodec codec = new ProtocolCodec();

    static Stream<Arguments> agentFrames() {
        return Stream.of(
                Arguments.of("handshake.json", new Handshake(INSTANCE, APP, "1.0", 1,
                        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsample0nly\n-----END RSA PRIVATE KEY-----\n",
                        null)),
                Arguments.of("handshake-init-errors.json", new Handshake(INSTANCE, APP, "1.0", 1, "token-text",
                        "can't create directory /opt/visualops/env/var/cache/salt; can't mount /proc")),
                Arguments.of("test-reply.json",
                        new TestReply(new Handshake(INSTANCE, APP, "1.0", 1, "token-text", null))),
                Arguments.of("statelog.json", new StateLog(INSTANCE, APP, 12,
                        "state-8C5E9B1A-3F2D-4E6B-9A7C-1D2E3F4A5B6C", true, "File /etc/nginx/nginx.conf updated",
                        "--- \n+++ \n@@ -1 +1 @@\n-worker_processes 1;\n+worker_processes 4;\n", null)),
                Arguments.of("statelog-builtin.json", new StateLog(INSTANCE, APP, 12,
                        "state-0F9E8D7C-6B5A-4938-8271-605F4E3D2C1B", true, null, null, null)),
                Arguments.of("statelog-seq.json", new StateLog(INSTANCE, APP, 12,
                        "state-8C5E9B1A-3F2D-4E6B-9A7C-1D2E3F4A5B6C", false, "Command \"service nginx reload\" run",
                        "nginx: [emerg] unknown directive \"worker_processess\"", 41L)),
                Arguments.of("waitquery.json", new WaitQuery(INSTANCE, APP, 12)));
    }

    static Stream<Arguments> backendFrames() {
        return Stream.of(
                Arguments.of("app-not-ready.json", new AppNotReady()),
                Arguments.of("recipe-full.json", new RecipeMetadata(12,
                        Optional.of(new ModuleRef(SALT_REPO, "v2014-04-15")), Optional.of(List.of(
                                state(1, "meta.comment", "{\"comment\": \"web tier: nginx in front of the app\"}"),
                                state(2, "linux.apt.package", "{\"name\": [{\"key\": \"nginx\", \"value\": \"\"},"
                                        + " {\"key\": \"git\", \"value\": \"latest\"}], \"verify-gpg\": true}"),
                                state(3, "linux.file", "{\"path\": \"/etc/nginx/nginx.conf\", \"content\":"
                                        + " \"worker_processes 4;\\nevents { worker_connections 768; }\\n\","
                                        + " \"user\": \"root\", \"group\": \"root\", \"mode\": \"0644\", \"absent\": false}"),
                                state(4, "meta.wait", "{\"state\": [\"@{db-host.state.2}\"]}"),
                                state(5, "linux.cmd", "{\"cmd\": \"service nginx reload\", \"timeout\": \"600\","
                                        + " \"env\": [{\"key\": \"LANG\", \"value\": \"C.UTF-8\"}],"
                                        + " \"if-path-present\": [\"/etc/nginx/nginx.conf\"], \"retries\": 3,"
                                        + " \"ratio\": 0.5, \"nothing\": null}"),
                                state(6, "linux.service", "{}"))))),
                Arguments.of("recipe-header-only.json", RecipeMetadata.headerOnly(13)),
                Arguments.of("recipe-header-with-module.json", new RecipeMetadata(14,
                        Optional.of(new ModuleRef(SALT_REPO, "develop")), Optional.empty())),
                Arguments.of("recipe-empty.json", RecipeMetadata.of(15, List.of())),
                Arguments.of("state-done.json", new StateDone(12, "state-1A2B3C4D-0000-4000-8000-000000000004")),
                Arguments.of("waitlist.json", new WaitList(12, List.of(
                        "state-1A2B3C4D-0000-4000-8000-000000000004", "state-1A2B3C4D-0000-4000-8000-000000000009"))),
                Arguments.of("agent-update.json", new AgentUpdate("1.1", "ws://backend.example.com:8963/agent/")),
                Arguments.of("test-request.json", new TestRequest()),
                Arguments.of("test-ans.json", new TestAns(false, "app_id mismatch: expected app-5f3c2a1e")),
                Arguments.of("test-ans-ok.json", new TestAns(true, null)),
                Arguments.of("statelog-ack.json", new StateLogAck(41)));
    }

    private static RecipeState state(int n, String module, String parameterJson) {
        return io.opsagent.fsm.testutil.Json.state("state-1A2B3C4D-0000-4000-8000-00000000000" + n, module,
                JsonParser.parseString(parameterJson).getAsJsonObject());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("agentFrames")
    void agentMessageEncodesToTheOriginalShape(String sample, AgentMessage message) {
        assertThat(canonical(codec.encode(message))).isEqualTo(canonical(Samples.text(sample)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("agentFrames")
    void agentMessageDecodesFromTheOriginalShape(String sample, AgentMessage message) {
        assertThat(codec.decodeAgentMessage(Samples.text(sample))).isEqualTo(message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backendFrames")
    void backendMessageDecodesFromTheOriginalShape(String sample, BackendMessage message) {
        assertThat(codec.decodeBackendMessage(Samples.text(sample))).isEqualTo(message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backendFrames")
    void backendMessageEncodesToTheOriginalShape(String sample, BackendMessage message) {
        assertThat(canonical(codec.encode(message))).isEqualTo(canonical(Samples.text(sample)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"agentFrames", "backendFrames"})
    void encodedFrameIsOneCompactLine(String sample, Message message) {
        String frame = codec.encode(message);
        assertThat(frame).doesNotContain("\n").startsWith("{").endsWith("}");
        assertThat(codec.toJson(message).get("code").getAsString()).isEqualTo(message.code());
    }

    @Test
    void headerOnlyRecipeAndEmptyRecipeAreDifferentMessages() {
        RecipeMetadata headerOnly = (RecipeMetadata) codec.decodeBackendMessage(Samples.text("recipe-header-only.json"));
        RecipeMetadata empty = (RecipeMetadata) codec.decodeBackendMessage(Samples.text("recipe-empty.json"));

        assertThat(headerOnly.isHeaderOnly()).isTrue();
        assertThat(headerOnly.states()).isEmpty();
        assertThat(empty.isHeaderOnly()).isFalse();
        assertThat(empty.states()).contains(List.of());
        assertThat(codec.toJson(headerOnly).has("state")).isFalse();
        assertThat(codec.toJson(empty).getAsJsonArray("state")).isEmpty();
    }

    @Test
    void originalScenarioWithAliasAndExtraKeysDecodesToItsStates() {
        // given a recipe as the original test scenarios wrote it: "stateid", free-text "_" keys
        String frame = Samples.text("recipe-original-scenario.json");

        // when
        RecipeMetadata recipe = (RecipeMetadata) codec.decodeBackendMessage(frame);

        // then the alias is read as the id and every unknown key is ignored
        JsonObject dirParameter = JsonParser.parseString("{\"path\": [\"/var/log/app\"], \"mode\": \"0755\"}")
                .getAsJsonObject();
        JsonObject cmdParameter = JsonParser.parseString("{\"cmd\": \"echo ok\"}").getAsJsonObject();
        assertThat(recipe).isEqualTo(new RecipeMetadata(3,
                Optional.of(new ModuleRef(SALT_REPO, "v2014-04-15")),
                Optional.of(List.of(
                        io.opsagent.fsm.testutil.Json.state("state-0B6F2E1C-AAAA-4BBB-8CCC-DDDDDDDDDDDD", "linux.dir", dirParameter),
                        io.opsagent.fsm.testutil.Json.state("state-0B6F2E1C-AAAA-4BBB-8CCC-EEEEEEEEEEEE", "linux.cmd", cmdParameter)))));
    }

    @Test
    void reEncodedScenarioUsesIdNeverStateid() {
        RecipeMetadata recipe = (RecipeMetadata) codec.decodeBackendMessage(Samples.text("recipe-original-scenario.json"));

        String frame = codec.encode(recipe);

        assertThat(canonical(frame)).isEqualTo(canonical("{\"code\": \"RecipeMetadata\", \"recipe_version\": 3,"
                + " \"module\": {\"repo\": \"" + SALT_REPO + "\", \"tag\": \"v2014-04-15\"},"
                + " \"state\": ["
                + "{\"id\": \"state-0B6F2E1C-AAAA-4BBB-8CCC-DDDDDDDDDDDD\", \"module\": \"linux.dir\","
                + " \"parameter\": {\"path\": [\"/var/log/app\"], \"mode\": \"0755\"}},"
                + "{\"id\": \"state-0B6F2E1C-AAAA-4BBB-8CCC-EEEEEEEEEEEE\", \"module\": \"linux.cmd\","
                + " \"parameter\": {\"cmd\": \"echo ok\"}}]}"));
    }

    @Test
    void canonicalFormTellsExplicitNullFromAbsentAndIntegerFromDecimal() {
        // the comparison the golden tests rely on must be able to fail
        assertThat(canonical("{\"a\": null}")).isNotEqualTo(canonical("{}"));
        assertThat(canonical("{\"a\": 1}")).isNotEqualTo(canonical("{\"a\": 1.0}"));
        assertThat(canonical("{\"a\": 1, \"b\": 2}")).isEqualTo(canonical("{\"b\": 2, \"a\": 1}"));
    }
}
