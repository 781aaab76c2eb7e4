package io.opsagent.fsm.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.opsagent.fsm.internal.RecipeReading;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one JSON codec of the wire protocol: encodes messages exactly in the original agent's
 * shapes, and decodes strictly.
 *
 * <p>A frame is read in one pass, without building a tree of what no message uses, and with the
 * {@link ProtocolLimits} checked while it is read; a recipe's parameters are kept as compact JSON
 * text. A frame is rejected with a {@link ProtocolException} when it breaks a limit (size,
 * nesting, states, parameter size), is not JSON, not an object, has no or an unknown
 * {@code code}, or misses a required field or has one of the wrong type. The exception's message
 * starts with {@code frame} or with the path of the field ({@code state[2].id}) and says what was
 * expected and what was found. Unknown extra fields are ignored; an optional field that is
 * {@code null} counts as absent. Instances are immutable and thread-safe.
 *
 * <p>{@code docs/protocol.md} describes every message and rule.
 */
public final class ProtocolCodec {

    /** The default limit on a frame's size: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

    /** How many characters from a refused frame's start are searched for its {@code code}. */
    public static final int FRAME_TYPE_WINDOW = 64 * 1024;

    /** The default deepest nesting of arrays and objects a frame may have (the frame object itself is level 1). */
    public static final int MAX_NESTING_DEPTH = 128;

    private final int maxFrameBytes;
    private final ProtocolLimits limits;
    private final FrameReader reader;

    public ProtocolCodec() {
        this(ProtocolLimits.DEFAULTS);
    }

    /** A codec with the default limits, except that it rejects frames longer than {@code maxFrameBytes} bytes of UTF-8. */
    public ProtocolCodec(int maxFrameBytes) {
        this(checkedFrameBytes(maxFrameBytes));
    }

    /** A codec that holds frames to {@code limits}. */
    public ProtocolCodec(ProtocolLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.maxFrameBytes = limits.maxFrameBytes();
        this.reader = new FrameReader(limits);
    }

    private static ProtocolLimits checkedFrameBytes(int maxFrameBytes) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("maxFrameBytes must be positive, got " + maxFrameBytes);
        }
        return ProtocolLimits.DEFAULTS.withMaxFrameBytes(maxFrameBytes);
    }

    /** The size limit of a frame, in bytes of UTF-8. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The limits frames are held to. */
    public ProtocolLimits limits() {
        return limits;
    }

    // ---------------------------------------------------------------- encoding

    /** The frame text of {@code message}. */
    public String encode(Message message) {
        return toJson(message).toString();
    }

    /** The JSON object of {@code message}, with the original's field names and explicit nulls. */
    JsonObject toJson(Message message) {
        Objects.requireNonNull(message, "message");
        JsonObject o = new JsonObject();
        o.addProperty("code", message.code());
        if (message instanceof Handshake h) {
            identity(o, h);
        } else if (message instanceof TestReply t) {
            identity(o, t.identity());
        } else if (message instanceof StateLog s) {
            o.add("instance_id", str(s.instanceId()));
            o.add("app_id", str(s.appId()));
            o.addProperty("recipe_version", s.recipeVersion());
            o.add("id", str(s.id()));
            o.addProperty("state_result", s.stateResult());
            o.add("state_comment", str(s.stateComment()));
            o.add("state_stdout", str(s.stateStdout()));
            if (s.seq() != null) {
                o.addProperty("seq", s.seq());
            }
        } else if (message instanceof WaitQuery w) {
            o.add("instance_id", str(w.instanceId()));
            o.add("app_id", str(w.appId()));
            o.addProperty("recipe_version", w.recipeVersion());
        } else if (message instanceof RecipeMetadata r) {
            o.addProperty("recipe_version", r.recipeVersion());
            r.module().ifPresent(m -> {
                JsonObject mo = new JsonObject();
                mo.addProperty("repo", m.repo());
                mo.addProperty("tag", m.tag());
                o.add("module", mo);
            });
            r.states().ifPresent(states -> {
                JsonArray array = new JsonArray();
                for (RecipeState st : states) {
                    JsonObject so = new JsonObject();
                    so.addProperty("id", st.id());
                    so.addProperty("module", st.module());
                    so.add("parameter", JsonParser.parseString(st.parameterJson()));
                    array.add(so);
                }
                o.add("state", array);
            });
        } else if (message instanceof StateDone d) {
            o.addProperty("recipe_version", d.recipeVersion());
            o.addProperty("id", d.id());
        } else if (message instanceof WaitList w) {
            o.addProperty("recipe_version", w.recipeVersion());
            JsonArray ids = new JsonArray();
            w.waited().forEach(ids::add);
            o.add("waited", ids);
        } else if (message instanceof AgentUpdate u) {
            o.add("version", str(u.version()));
            o.add("url", str(u.url()));
            if (u.downgrade()) {
                o.addProperty("downgrade", true);
            }
        } else if (message instanceof TestAns t) {
            o.add("result", t.result() == null ? JsonNull.INSTANCE : new JsonPrimitive(t.result()));
            o.add("error", str(t.error()));
        } else if (message instanceof StateLogAck a) {
            o.addProperty("seq", a.seq());
        }
        // AppNotReady and TestRequest carry nothing but their code.
        return o;
    }

    private static void identity(JsonObject o, Handshake h) {
        o.add("instance_id", str(h.instanceId()));
        o.add("app_id", str(h.appId()));
        o.add("agent_version", str(h.agentVersion()));
        o.addProperty("protocol_version", h.protocolVersion());
        o.add("instance_token", str(h.instanceToken()));
        o.add("init_errors", str(h.initErrors()));
    }

    private static JsonElement str(String value) {
        return value == null ? JsonNull.INSTANCE : new JsonPrimitive(value);
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes a frame the agent receives. */
    public BackendMessage decodeBackendMessage(String frame) {
        return backendMessage(parse(frame));
    }

    static {
        RecipeReading.register(ProtocolCodec::readRecipe);
    }

    /**
     * Reads a recipe from the next value of {@code in} (a {@code RecipeMetadata} object, as in a
     * frame), with the same checks and limits as a frame except the size, which the caller bounds.
     * The reader must be strict; a syntax error is a {@link ProtocolException} like any other.
     * Not API: the round store reads its file through {@link RecipeReading}.
     */
    RecipeMetadata readRecipe(JsonReader in) {
        FrameReader.Frame frame;
        try {
            frame = reader.read(in);
        } catch (IOException e) {
            throw new ProtocolException("recipe is not valid JSON: " + syntaxError(e));
        }
        if (!frame.root().isJsonObject()) {
            throw new ProtocolException("recipe is " + typeOf(frame.root()) + ", expected a JSON object");
        }
        if (backendMessage(frame) instanceof RecipeMetadata recipe) {
            return recipe;
        }
        throw new ProtocolException("code: expected " + RecipeMetadata.CODE);
    }

    private BackendMessage backendMessage(FrameReader.Frame frame) {
        Fields f = new Fields(frame.root().getAsJsonObject(), null);
        String code = f.code();
        switch (code) {
            case AppNotReady.CODE:
                return new AppNotReady();
            case RecipeMetadata.CODE:
                return recipe(f, frame.parameters());
            case StateDone.CODE:
                return new StateDone(f.positiveLong("recipe_version"), f.nonEmptyStringOrAlias("id", "stateid"));
            case WaitList.CODE:
                return new WaitList(f.positiveLong("recipe_version"), f.stringList("waited"));
            case AgentUpdate.CODE:
                return new AgentUpdate(f.nonEmptyString("version"), f.optionalString("url"),
                        Boolean.TRUE.equals(f.optionalBoolean("downgrade")));
            case TestRequest.CODE:
                return new TestRequest();
            case TestAns.CODE:
                return new TestAns(f.optionalBoolean("result"), f.optionalString("error"));
            case StateLogAck.CODE:
                return new StateLogAck(f.nonNegativeLong("seq"));
            default:
                throw new ProtocolException("code: unknown code " + quote(code) + " for a message to the agent;"
                        + " expected one of " + BACKEND_CODES);
        }
    }

    /** Decodes a frame the backend receives (used by test backends and tools). */
    public AgentMessage decodeAgentMessage(String frame) {
        Fields f = new Fields(parse(frame).root().getAsJsonObject(), null);
        String code = f.code();
        switch (code) {
            case Handshake.CODE:
                return handshake(f);
            case TestReply.CODE:
                return new TestReply(handshake(f));
            case StateLog.CODE:
                return new StateLog(
                        f.optionalString("instance_id"),
                        f.optionalString("app_id"),
                        f.positiveLong("recipe_version"),
                        f.nonEmptyStringOrAlias("id", "stateid"),
                        f.requiredBoolean("state_result"),
                        f.optionalString("state_comment"),
                        f.optionalString("state_stdout"),
                        f.has("seq") ? f.nonNegativeLong("seq") : null);
            case WaitQuery.CODE:
                return new WaitQuery(
                        f.optionalString("instance_id"), f.optionalString("app_id"), f.positiveLong("recipe_version"));
            default:
                throw new ProtocolException("code: unknown code " + quote(code) + " for a message to the backend;"
                        + " expected one of " + AGENT_CODES);
        }
    }

    private static final String BACKEND_CODES = String.join(", ", AppNotReady.CODE, RecipeMetadata.CODE,
            StateDone.CODE, WaitList.CODE, AgentUpdate.CODE, TestRequest.CODE, TestAns.CODE, StateLogAck.CODE);

    private static final String AGENT_CODES =
            String.join(", ", Handshake.CODE, StateLog.CODE, WaitQuery.CODE, TestReply.CODE);

    private static Handshake handshake(Fields f) {
        return new Handshake(
                f.optionalString("instance_id"),
                f.optionalString("app_id"),
                f.optionalString("agent_version"),
                f.positiveInt("protocol_version"),
                f.optionalString("instance_token"),
                f.optionalString("init_errors"));
    }

    private static RecipeMetadata recipe(Fields f, List<String> parameters) {
        long version = f.positiveLong("recipe_version");
        // A module that is null is treated as absent, like every optional field.
        Optional<ModuleRef> module = Optional.empty();
        if (f.has("module")) {
            Fields m = f.object("module");
            module = Optional.of(new ModuleRef(m.nonEmptyString("repo"), m.nonEmptyString("tag")));
        }
        // Absent (or null) state: header-only. An empty array: a real, empty recipe.
        Optional<List<RecipeState>> states = Optional.empty();
        if (f.has("state")) {
            JsonArray array = f.array("state");
            List<RecipeState> list = new ArrayList<>(array.size());
            Map<String, Integer> firstIndexOfId = new HashMap<>();
            for (int i = 0; i < array.size(); i++) {
                Fields s = f.element("state", i, array.get(i));
                String id = s.nonEmptyStringOrAlias("id", "stateid");
                String stateModule = s.nonEmptyString("module");
                // Required, as the original agent required it: a backend always sends it, `{}` when empty.
                s.object("parameter");
                String parameter = parameters.get(i);
                Integer first = firstIndexOfId.putIfAbsent(id, i);
                if (first != null) {
                    throw new ProtocolException(
                            s.path("id") + ": duplicate state id " + quote(id) + ", already used by state[" + first + "]");
                }
                list.add(RecipeState.ofParameterJson(id, stateModule, parameter));
            }
            states = Optional.of(list);
        }
        return new RecipeMetadata(version, module, states);
    }

    private FrameReader.Frame parse(String frame) {
        try {
            return parseWithinLimits(frame);
        } catch (FrameLimitException e) {
            throw e.withFrameType(frameType(frame));
        }
    }

    private FrameReader.Frame parseWithinLimits(String frame) {
        if (frame == null) {
            throw new ProtocolException("frame is null");
        }
        checkSize(frame);
        if (frame.isBlank()) {
            throw new ProtocolException("frame is empty");
        }
        checkNesting(frame, limits.maxNestingDepth());
        JsonReader in = new JsonReader(new StringReader(frame));
        in.setStrictness(Strictness.STRICT);
        // A backstop only: checkNesting has already rejected anything this deep, with a clearer message.
        in.setNestingLimit(limits.maxNestingDepth() + 1);
        FrameReader.Frame read;
        try {
            read = reader.read(in);
        } catch (IOException e) {
            throw new ProtocolException("frame is not valid JSON: " + syntaxError(e));
        }
        try {
            if (in.peek() != JsonToken.END_DOCUMENT) {
                throw new ProtocolException("frame is not valid JSON: unexpected data after the top-level value"
                        + location(in.toString()));
            }
        } catch (IOException e) {
            throw new ProtocolException("frame is not valid JSON: unexpected data after the top-level value"
                    + location(String.valueOf(e.getMessage())));
        }
        if (!read.root().isJsonObject()) {
            throw new ProtocolException("frame is " + typeOf(read.root()) + ", expected a JSON object");
        }
        return read;
    }

    /**
     * The frame's {@code code}, read from its first {@value #FRAME_TYPE_WINDOW} characters at most
     * (so that naming a refused frame costs little, whatever its size); null when it is not there,
     * not a name, or the frame is not a JSON object.
     */
    static String frameType(String frame) {
        if (frame == null) {
            return null;
        }
        String window = frame.length() > FRAME_TYPE_WINDOW ? frame.substring(0, FRAME_TYPE_WINDOW) : frame;
        JsonReader in = new JsonReader(new StringReader(window));
        in.setStrictness(Strictness.STRICT);
        in.setNestingLimit(MAX_NESTING_DEPTH);
        try {
            in.beginObject();
            while (in.hasNext()) {
                if (in.nextName().equals("code") && in.peek() == JsonToken.STRING) {
                    String code = in.nextString();
                    return code.matches("[A-Za-z]{1,40}") ? code : null;
                }
                in.skipValue();
            }
        } catch (IOException | RuntimeException e) {
            // the code is not within the window, or the frame is no object: its type is not known
        }
        return null;
    }

    /** Rejects a frame whose UTF-8 encoding is longer than the limit, naming its exact size. */
    private void checkSize(String frame) {
        if ((long) frame.length() * 3 <= maxFrameBytes) {
            return; // a char is at most 3 bytes in UTF-8 (a surrogate pair, 2 chars, is 4)
        }
        long bytes = utf8Length(frame);
        if (bytes > maxFrameBytes) {
            throw new FrameLimitException("maxFrameBytes", bytes, maxFrameBytes,
                    "frame of " + bytes + " bytes exceeds the limit of " + maxFrameBytes + " bytes");
        }
    }

    /** The length of {@code s} in UTF-8, counted without encoding it; a lone surrogate counts 3. */
    static long utf8Length(String s) {
        long bytes = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * Rejects a frame that nests arrays and objects deeper than {@link #MAX_NESTING_DEPTH}, before it is
     * parsed, so that no depth of nesting can exhaust the stack or build a huge error message.
     */
    private static void checkNesting(String frame, int maxDepth) {
        int depth = 0;
        boolean inString = false;
        int line = 1;
        int column = 0;
        for (int i = 0, n = frame.length(); i < n; i++) {
            char c = frame.charAt(i);
            column++;
            if (c == '\n') {
                line++;
                column = 0;
            } else if (inString) {
                if (c == '\\') {
                    i++;
                    column++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                if (++depth > maxDepth) {
                    throw new FrameLimitException("maxNestingDepth", depth, maxDepth, "frame is nested deeper than "
                            + maxDepth + " levels at line " + line + " column " + column);
                }
            } else if ((c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
    }

    /** Gson's description of a syntax error, in our words, with its line, column and path. */
    private static String syntaxError(Throwable t) {
        String text = String.valueOf(t.getMessage());
        int see = text.indexOf("\nSee https://");
        if (see >= 0) {
            text = text.substring(0, see);
        }
        int at = text.indexOf(" at line ");
        String reason = at >= 0 ? text.substring(0, at) : text;
        String where = at >= 0 ? text.substring(at) : "";
        if (reason.startsWith("Use JsonReader.setStrictness")) {
            reason = "unexpected character"; // Gson's hint for syntax that only lenient JSON allows
        } else if (reason.startsWith("End of input")) {
            reason = "unexpected end of input";
        } else if (reason.equals("Expected name")) {
            reason = "expected a quoted object key";
        } else if (reason.startsWith("Unescaped control characters")) {
            reason = "unescaped control character in a string";
        } else if (reason.startsWith("Nesting limit")) {
            reason = "nested deeper than " + MAX_NESTING_DEPTH + " levels";
        } else if (!reason.isEmpty()) {
            reason = Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
        }
        return reason + clip(oneLine(where), 200);
    }

    /** The " at line L column C path P" part of a Gson message or of {@code JsonReader.toString()}. */
    private static String location(String text) {
        int at = text.indexOf(" at line ");
        if (at < 0) {
            return "";
        }
        int see = text.indexOf("\nSee https://", at);
        return clip(oneLine(see >= 0 ? text.substring(at, see) : text.substring(at)), 200);
    }

    /**
     * {@code s} with control characters and line separators escaped: Gson's path names object keys
     * as they are, and a key may hold any text, but an error message stays one line.
     */
    private static String oneLine(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029;
            if (control && out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (out != null) {
                if (c == '\n') {
                    out.append("\\n");
                } else if (c == '\r') {
                    out.append("\\r");
                } else if (c == '\t') {
                    out.append("\\t");
                } else if (control) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? s : out.toString();
    }

    /** {@code s} cut to at most {@code max} chars (never inside a surrogate pair), marked with "…" when cut. */
    private static String clip(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "…";
    }

    /** {@code s} as a JSON string literal (escaped, so that a message stays one printable line), clipped. */
    private static String quote(String s) {
        String clipped = clip(s, 40);
        boolean cut = clipped.length() != s.length();
        String body = cut ? clipped.substring(0, clipped.length() - 1) : clipped;
        return new JsonPrimitive(body).toString() + (cut ? "…" : "");
    }

    /** How a JSON value is named in error messages: {@code null}, {@code an object}, {@code number 1.5}. */
    static String typeOf(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return "boolean " + p.getAsBoolean();
        }
        if (p.isNumber()) {
            return "number " + clip(p.getAsNumber().toString(), 40);
        }
        return "string " + quote(p.getAsString());
    }
}
