package io.opsagent.fsm.protocol;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table of malformed frames, each with the exact message of the {@link ProtocolException} it is
 * rejected with. Frames are written with {@code '} for {@code "} to keep the table readable. Line
 * and column of a syntax error are the JSON parser's: where it noticed the problem, at or just
 * after the offending character.
 */
class MalformedFramesTest {

    private static final String RECIPE = "'code':'RecipeMetadata','recipe_version':1";
    private static final String BACKEND_CODES =
            "AppNotReady, RecipeMetadata, State, WaitList, AgentUpdate, Test, TestAns, StateLogAck";

    private final ProtocolCodec codec = new ProtocolCodec();

    /** A frame with every {@code '} turned into {@code "}. */
    private static String j(String frame) {
        return frame.replace('\'', '"');
    }

    private static Arguments bad(String why, String frame, String message) {
        return Arguments.of(why, frame, message);
    }

    static Stream<Arguments> framesToTheAgent() {
        return Stream.of(
                // ---- not a JSON object
                bad("not JSON", "hello", "frame is not valid JSON: unexpected character at line 1 column 1 path $"),
                bad("truncated JSON", j("{'code':'RecipeMetadata','recipe_version':"),
                        "frame is not valid JSON: unexpected end of input at line 1 column 43 path $.recipe_version"),
                bad("truncated inside a string", j("{'code':'RecipeMeta"),
                        "frame is not valid JSON: unterminated string at line 1 column 20 path $.code"),
                bad("trailing garbage", j("{'code':'AppNotReady'} x"),
                        "frame is not valid JSON: unexpected data after the top-level value at line 1 column 25 path $"),
                bad("two objects in one frame", j("{'code':'AppNotReady'}{'code':'AppNotReady'}"),
                        "frame is not valid JSON: unexpected data after the top-level value at line 1 column 24 path $"),
                bad("JSON array", j("[{'code':'AppNotReady'}]"), "frame is an array, expected a JSON object"),
                bad("JSON string", j("'AppNotReady'"), "frame is string \"AppNotReady\", expected a JSON object"),
                bad("JSON number", "42", "frame is number 42, expected a JSON object"),
                bad("JSON null", "null", "frame is null, expected a JSON object"),
                bad("JSON true", "true", "frame is boolean true, expected a JSON object"),
                bad("empty frame", "", "frame is empty"),
                bad("blank frame", " \n\t ", "frame is empty"),
                bad("single quotes", "{'code':'AppNotReady'}",
                        "frame is not valid JSON: unexpected character at line 1 column 3 path $."),
                bad("trailing comma", j("{'code':'AppNotReady',}"),
                        "frame is not valid JSON: expected a quoted object key at line 1 column 24 path $.code"),
                bad("comment", j("{'code':'AppNotReady' /* hi */}"),
                        "frame is not valid JSON: unexpected character at line 1 column 24 path $.code"),
                bad("NaN", j("{" + RECIPE + ",'state':[{'id':'a','module':'m','parameter':{'x':NaN}}]}"),
                        "frame is not valid JSON: unexpected character at line 1 column 94 path $.state[0].parameter.x"),
                bad("missing colon", j("{'code' 'AppNotReady'}"),
                        "frame is not valid JSON: expected ':' at line 1 column 10 path $.code"),
                bad("invalid escape", j("{'code':'App\\qNotReady'}"),
                        "frame is not valid JSON: invalid escape sequence at line 1 column 15 path $.code"),
                bad("a key echoed in the path stays on one line", j("{'code':'AppNotReady','a\\nb\\u2028c' 1}"),
                        "frame is not valid JSON: expected ':' at line 1 column 38 path $.a\\nb\\u2028c"),
                bad("raw newline inside a string", j("{'code':'App\nNotReady'}"),
                        "frame is not valid JSON: unescaped control character in a string at line 1 column 10 path $.code"),

                // ---- code
                bad("empty object", "{}", "code: required field is missing"),
                bad("code null", j("{'code':null}"), "code: expected a string, got null"),
                bad("code not a string", j("{'code':5}"), "code: expected a string, got number 5"),
                bad("code an object", j("{'code':{'name':'State'}}"), "code: expected a string, got an object"),
                bad("unknown code", j("{'code':'Hello'}"),
                        "code: unknown code \"Hello\" for a message to the agent; expected one of " + BACKEND_CODES),
                bad("code of a message to the backend", j("{'code':'Handshake'}"),
                        "code: unknown code \"Handshake\" for a message to the agent; expected one of " + BACKEND_CODES),
                bad("code in the wrong case", j("{'code':'recipemetadata','recipe_version':1}"),
                        "code: unknown code \"recipemetadata\" for a message to the agent; expected one of "
                                + BACKEND_CODES),
                bad("long unknown code is clipped", j("{'code':'" + "x".repeat(1000) + "'}"),
                        "code: unknown code \"" + "x".repeat(40) + "\"… for a message to the agent; expected one of "
                                + BACKEND_CODES),
                bad("control characters in an echoed value are escaped", j("{'code':'a\\nb\\u0007'}"),
                        "code: unknown code \"a\\nb\\u0007\" for a message to the agent; expected one of "
                                + BACKEND_CODES),

                // ---- recipe_version
                bad("recipe_version missing", j("{'code':'RecipeMetadata'}"), "recipe_version: required field is missing"),
                bad("recipe_version null", j("{'code':'RecipeMetadata','recipe_version':null}"),
                        "recipe_version: expected a positive integer, got null"),
                bad("recipe_version a string", j("{'code':'RecipeMetadata','recipe_version':'3'}"),
                        "recipe_version: expected a positive integer, got string \"3\""),
                bad("recipe_version 0", j("{'code':'RecipeMetadata','recipe_version':0}"),
                        "recipe_version: expected a positive integer, got number 0"),
                bad("recipe_version -0", j("{'code':'RecipeMetadata','recipe_version':-0}"),
                        "recipe_version: expected a positive integer, got number -0"),
                bad("recipe_version -1", j("{'code':'RecipeMetadata','recipe_version':-1}"),
                        "recipe_version: expected a positive integer, got number -1"),
                bad("recipe_version true", j("{'code':'RecipeMetadata','recipe_version':true}"),
                        "recipe_version: expected a positive integer, got boolean true"),
                bad("recipe_version 1.5", j("{'code':'RecipeMetadata','recipe_version':1.5}"),
                        "recipe_version: expected a positive integer, got number 1.5"),
                bad("recipe_version 1.0", j("{'code':'RecipeMetadata','recipe_version':1.0}"),
                        "recipe_version: expected a positive integer, got number 1.0"),
                bad("recipe_version 1e3", j("{'code':'RecipeMetadata','recipe_version':1e3}"),
                        "recipe_version: expected a positive integer, got number 1e3"),
                bad("recipe_version 1E3", j("{'code':'RecipeMetadata','recipe_version':1E3}"),
                        "recipe_version: expected a positive integer, got number 1E3"),
                bad("recipe_version overflows a long", j("{'code':'RecipeMetadata','recipe_version':9223372036854775808}"),
                        "recipe_version: expected a positive integer no larger than 9223372036854775807,"
                                + " got number 9223372036854775808"),
                bad("recipe_version far below a long", j("{'code':'RecipeMetadata','recipe_version':-99999999999999999999}"),
                        "recipe_version: expected a positive integer, got number -99999999999999999999"),
                bad("recipe_version with 100 digits is clipped", j("{'code':'RecipeMetadata','recipe_version':"
                                + "9".repeat(100) + "}"),
                        "recipe_version: expected a positive integer no larger than 9223372036854775807,"
                                + " got number " + "9".repeat(40) + "…"),
                bad("recipe_version an array", j("{'code':'RecipeMetadata','recipe_version':[1]}"),
                        "recipe_version: expected a positive integer, got an array"),

                // ---- module
                bad("module not an object", j("{" + RECIPE + ",'module':'https://github.com/MadeiraCloud/salt.git'}"),
                        "module: expected an object, got string \"https://github.com/MadeiraCloud/salt.git\""),
                bad("module an array", j("{" + RECIPE + ",'module':['repo','tag']}"),
                        "module: expected an object, got an array"),
                bad("module.repo empty", j("{" + RECIPE + ",'module':{'repo':'','tag':'v1'}}"),
                        "module.repo: expected a non-empty string, got string \"\""),
                bad("module.repo missing", j("{" + RECIPE + ",'module':{'tag':'v1'}}"),
                        "module.repo: required field is missing"),
                bad("module.tag not a string", j("{" + RECIPE + ",'module':{'repo':'r','tag':1}}"),
                        "module.tag: expected a non-empty string, got number 1"),
                bad("module.tag null", j("{" + RECIPE + ",'module':{'repo':'r','tag':null}}"),
                        "module.tag: expected a non-empty string, got null"),

                // ---- state
                bad("state not an array", j("{" + RECIPE + ",'state':{'id':'a','module':'m','parameter':{}}}"),
                        "state: expected an array, got an object"),
                bad("state a string", j("{" + RECIPE + ",'state':'[]'}"), "state: expected an array, got string \"[]\""),
                bad("state element not an object", j("{" + RECIPE + ",'state':[{'id':'a','module':'m','parameter':{}},'b']}"),
                        "state[1]: expected an object, got string \"b\""),
                bad("state element null", j("{" + RECIPE + ",'state':[null]}"), "state[0]: expected an object, got null"),
                bad("state without id", j("{" + RECIPE + ",'state':[{'module':'linux.cmd','parameter':{}}]}"),
                        "state[0].id: required field is missing"),
                bad("state id not a string", j("{" + RECIPE + ",'state':[{'id':7,'module':'linux.cmd'}]}"),
                        "state[0].id: expected a non-empty string, got number 7"),
                bad("state id empty", j("{" + RECIPE + ",'state':[{'id':'','module':'linux.cmd','parameter':{}}]}"),
                        "state[0].id: expected a non-empty string, got string \"\""),
                bad("state id null and no alias", j("{" + RECIPE + ",'state':[{'id':null,'module':'linux.cmd'}]}"),
                        "state[0].id: expected a non-empty string, got null"),
                bad("stateid alias not a string", j("{" + RECIPE + ",'state':[{'stateid':['a'],'module':'linux.cmd'}]}"),
                        "state[0].stateid: expected a non-empty string, got an array"),
                bad("state without module", j("{" + RECIPE + ",'state':[{'id':'a','module':'m','parameter':{}},{'id':'b','parameter':{}}]}"),
                        "state[1].module: required field is missing"),
                bad("state module not a string", j("{" + RECIPE + ",'state':[{'id':'a','module':{}}]}"),
                        "state[0].module: expected a non-empty string, got an object"),
                bad("duplicate state ids", j("{" + RECIPE + ",'state':[{'id':'a','module':'m','parameter':{}},{'id':'b','module':'m','parameter':{}},"
                                + "{'id':'a','module':'m','parameter':{}}]}"),
                        "state[2].id: duplicate state id \"a\", already used by state[0]"),
                bad("duplicate state ids through the alias", j("{" + RECIPE + ",'state':[{'id':'a','module':'m','parameter':{}},"
                                + "{'stateid':'a','module':'m','parameter':{}}]}"),
                        "state[1].id: duplicate state id \"a\", already used by state[0]"),
                bad("parameter not an object", j("{" + RECIPE + ",'state':[{'id':'a','module':'m','parameter':['x']}]}"),
                        "state[0].parameter: expected an object, got an array"),
                bad("parameter a string", j("{" + RECIPE + ",'state':[{'id':'a','module':'m','parameter':'{}'}]}"),
                        "state[0].parameter: expected an object, got string \"{}\""),

                // ---- State (DONE of a wait state)
                bad("State without id", j("{'code':'State','recipe_version':2}"), "id: required field is missing"),
                bad("State without recipe_version", j("{'code':'State','id':'w'}"),
                        "recipe_version: required field is missing"),
                bad("State with a numeric id", j("{'code':'State','recipe_version':2,'id':12}"),
                        "id: expected a non-empty string, got number 12"),

                // ---- WaitList
                bad("WaitList.waited with a non-string", j("{'code':'WaitList','recipe_version':2,'waited':['a',3]}"),
                        "waited[1]: expected a non-empty string, got number 3"),
                bad("WaitList.waited with an empty string", j("{'code':'WaitList','recipe_version':2,'waited':['']}"),
                        "waited[0]: expected a non-empty string, got string \"\""),
                bad("WaitList.waited not an array", j("{'code':'WaitList','recipe_version':2,'waited':'a'}"),
                        "waited: expected an array, got string \"a\""),
                bad("WaitList without waited", j("{'code':'WaitList','recipe_version':2}"),
                        "waited: required field is missing"),

                // ---- AgentUpdate
                bad("AgentUpdate without version", j("{'code':'AgentUpdate','url':'ws://b/agent/'}"),
                        "version: required field is missing"),
                bad("AgentUpdate with an empty version", j("{'code':'AgentUpdate','version':''}"),
                        "version: expected a non-empty string, got string \"\""),
                bad("AgentUpdate with a numeric version", j("{'code':'AgentUpdate','version':1.1}"),
                        "version: expected a non-empty string, got number 1.1"),
                bad("AgentUpdate with a numeric url", j("{'code':'AgentUpdate','version':'1.1','url':8963}"),
                        "url: expected a string or null, got number 8963"),

                // ---- TestAns, StateLogAck
                bad("TestAns result not a boolean", j("{'code':'TestAns','result':'yes'}"),
                        "result: expected a boolean or null, got string \"yes\""),
                bad("TestAns error not a string", j("{'code':'TestAns','result':false,'error':{}}"),
                        "error: expected a string or null, got an object"),
                bad("StateLogAck without seq", j("{'code':'StateLogAck'}"), "seq: required field is missing"),
                bad("StateLogAck seq negative", j("{'code':'StateLogAck','seq':-1}"),
                        "seq: expected a non-negative integer, got number -1"),
                bad("StateLogAck seq a string", j("{'code':'StateLogAck','seq':'5'}"),
                        "seq: expected a non-negative integer, got string \"5\""));
    }

    static Stream<Arguments> framesToTheBackend() {
        String handshake = "'code':'Handshake','instance_id':'i-1','app_id':'a','agent_version':'1.0',"
                + "'instance_token':'secret-token-value','init_errors':null";
        return Stream.of(
                bad("unknown code", j("{'code':'RecipeMetadata','recipe_version':1}"),
                        "code: unknown code \"RecipeMetadata\" for a message to the backend;"
                                + " expected one of Handshake, StateLog, WaitQuery, Test"),
                bad("Handshake without protocol_version", j("{" + handshake + "}"),
                        "protocol_version: required field is missing"),
                bad("Handshake protocol_version a string", j("{" + handshake + ",'protocol_version':'1'}"),
                        "protocol_version: expected a positive integer, got string \"1\""),
                bad("Handshake protocol_version beyond int", j("{" + handshake + ",'protocol_version':4294967297}"),
                        "protocol_version: expected a positive integer no larger than 2147483647,"
                                + " got number 4294967297"),
                bad("Handshake instance_token not a string", j("{'code':'Handshake','protocol_version':1,"
                                + "'instance_token':true}"),
                        "instance_token: expected a string or null, got boolean true"),
                bad("StateLog without state_result", j("{'code':'StateLog','recipe_version':1,'id':'a'}"),
                        "state_result: required field is missing"),
                bad("StateLog state_result a string", j("{'code':'StateLog','recipe_version':1,'id':'a',"
                                + "'state_result':'true'}"),
                        "state_result: expected a boolean, got string \"true\""),
                bad("StateLog without id", j("{'code':'StateLog','recipe_version':1,'state_result':true}"),
                        "id: required field is missing"),
                bad("StateLog seq a decimal", j("{'code':'StateLog','recipe_version':1,'id':'a','state_result':true,"
                                + "'seq':1.5}"),
                        "seq: expected a non-negative integer, got number 1.5"),
                bad("WaitQuery recipe_version 0", j("{'code':'WaitQuery','recipe_version':0}"),
                        "recipe_version: expected a positive integer, got number 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("framesToTheAgent")
    void malformedFrameToTheAgentIsRejectedWithItsReason(String why, String frame, String message) {
        assertThatThrownBy(() -> codec.decodeBackendMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("framesToTheBackend")
    void malformedFrameToTheBackendIsRejectedWithItsReason(String why, String frame, String message) {
        assertThatThrownBy(() -> codec.decodeAgentMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessage(message);
    }
}
