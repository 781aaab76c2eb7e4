package io.opsagent.fsm.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one JSON codec of the wire protocol: encodes messages exactly in the original agent's
 * shapes, and decodes strictly.
 *
 * <p>A frame is rejected with a {@link ProtocolException} that names the field when it is not
 * JSON, not an object, has no or an unknown {@code code}, misses a required field or has one of
 * the wrong type, or is larger than the size limit. Unknown extra fields are ignored. Instances
 * are immutable and thread-safe.
 */
public final class ProtocolCodec {

    /** The default limit on a frame's size: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private final int maxFrameBytes;

    public ProtocolCodec() {
        this(DEFAULT_MAX_FRAME_BYTES);
    }

    public ProtocolCodec(int maxFrameBytes) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("maxFrameBytes must be positive, got " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    // ---------------------------------------------------------------- encoding

    /** The frame text of {@code message}. */
    public String encode(Message message) {
        return toJson(message).toString();
    }

    /** The JSON object of {@code message}, with the original's field names and explicit nulls. */
    public JsonObject toJson(Message message) {
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
                    so.add("parameter", st.parameter());
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
        Fields f = parse(frame);
        String code = f.code();
        return switch (code) {
            case AppNotReady.CODE -> new AppNotReady();
            case RecipeMetadata.CODE -> recipe(f);
            case StateDone.CODE -> new StateDone(f.positiveLong("recipe_version"), f.nonEmptyStringOrAlias("id", "stateid"));
            case WaitList.CODE -> new WaitList(f.positiveLong("recipe_version"), f.stringList("waited"));
            case AgentUpdate.CODE -> new AgentUpdate(f.nonEmptyString("version"), f.optionalString("url"));
            case TestRequest.CODE -> new TestRequest();
            case TestAns.CODE -> new TestAns(f.optionalBoolean("result"), f.optionalString("error"));
            case StateLogAck.CODE -> new StateLogAck(f.nonNegativeLong("seq"));
            default -> throw new ProtocolException("unknown code \"" + code + "\" for a message to the agent");
        };
    }

    /** Decodes a frame the backend receives (used by test backends and tools). */
    public AgentMessage decodeAgentMessage(String frame) {
        Fields f = parse(frame);
        String code = f.code();
        return switch (code) {
            case Handshake.CODE -> handshake(f);
            case TestReply.CODE -> new TestReply(handshake(f));
            case StateLog.CODE -> new StateLog(
                    f.optionalString("instance_id"),
                    f.optionalString("app_id"),
                    f.positiveLong("recipe_version"),
                    f.nonEmptyStringOrAlias("id", "stateid"),
                    f.requiredBoolean("state_result"),
                    f.optionalString("state_comment"),
                    f.optionalString("state_stdout"),
                    f.has("seq") ? f.nonNegativeLong("seq") : null);
            case WaitQuery.CODE -> new WaitQuery(
                    f.optionalString("instance_id"), f.optionalString("app_id"), f.positiveLong("recipe_version"));
            default -> throw new ProtocolException("unknown code \"" + code + "\" for a message to the backend");
        };
    }

    private static Handshake handshake(Fields f) {
        return new Handshake(
                f.optionalString("instance_id"),
                f.optionalString("app_id"),
                f.optionalString("agent_version"),
                (int) f.positiveLong("protocol_version"),
                f.optionalString("instance_token"),
                f.optionalString("init_errors"));
    }

    private static RecipeMetadata recipe(Fields f) {
        long version = f.positiveLong("recipe_version");
        Optional<ModuleRef> module = Optional.empty();
        if (f.has("module")) {
            Fields m = f.object("module");
            module = Optional.of(new ModuleRef(m.nonEmptyString("repo"), m.nonEmptyString("tag")));
        }
        Optional<List<RecipeState>> states = Optional.empty();
        if (f.has("state")) {
            JsonArray array = f.array("state");
            List<RecipeState> list = new ArrayList<>(array.size());
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < array.size(); i++) {
                Fields s = f.element("state", i, array.get(i));
                String id = s.nonEmptyStringOrAlias("id", "stateid");
                if (!ids.add(id)) {
                    throw new ProtocolException(s.path("id") + ": duplicate state id \"" + id + "\"");
                }
                JsonObject parameter = s.has("parameter") ? s.object("parameter").json : new JsonObject();
                list.add(new RecipeState(id, s.nonEmptyString("module"), parameter));
            }
            states = Optional.of(list);
        }
        return new RecipeMetadata(version, module, states);
    }

    private Fields parse(String frame) {
        if (frame == null) {
            throw new ProtocolException("frame is null");
        }
        checkSize(frame);
        JsonElement root;
        try {
            JsonReader reader = new JsonReader(new StringReader(frame));
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new ProtocolException("frame is not valid JSON: unexpected data after the top-level value");
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw new ProtocolException("frame is not valid JSON: " + describe(e));
        } catch (StackOverflowError e) {
            throw new ProtocolException("frame is not valid JSON: nested too deeply");
        }
        if (!root.isJsonObject()) {
            throw new ProtocolException("frame is " + typeOf(root) + ", expected a JSON object");
        }
        return new Fields(root.getAsJsonObject(), null);
    }

    private void checkSize(String frame) {
        if (frame.length() > maxFrameBytes) {
            throw new ProtocolException(
                    "frame of at least " + frame.length() + " bytes exceeds the limit of " + maxFrameBytes + " bytes");
        }
        if ((long) frame.length() * 3 > maxFrameBytes) {
            int bytes = frame.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > maxFrameBytes) {
                throw new ProtocolException("frame of " + bytes + " bytes exceeds the limit of " + maxFrameBytes + " bytes");
            }
        }
    }

    private static String describe(Exception e) {
        Throwable t = e.getCause() != null && e.getMessage() != null && e.getMessage().startsWith("com.google")
                ? e.getCause() : e;
        String text = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int see = text.indexOf("\nSee https://");
        return see >= 0 ? text.substring(0, see) : text;
    }

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
            return "number " + p.getAsNumber();
        }
        String s = p.getAsString();
        return "string \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
    }

    /** Typed, path-aware access to one JSON object of a frame. */
    private static final class Fields {
        final JsonObject json;
        final String prefix;

        Fields(JsonObject json, String prefix) {
            this.json = json;
            this.prefix = prefix;
        }

        String path(String name) {
            return prefix == null ? name : prefix + "." + name;
        }

        boolean has(String name) {
            return json.has(name) && !json.get(name).isJsonNull();
        }

        String code() {
            JsonElement e = json.get("code");
            if (e == null || e.isJsonNull()) {
                throw new ProtocolException("frame has no \"code\"");
            }
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new ProtocolException("code: expected a string, got " + typeOf(e));
            }
            return e.getAsString();
        }

        private JsonElement required(String name) {
            JsonElement e = json.get(name);
            if (e == null || e.isJsonNull()) {
                throw new ProtocolException(path(name) + ": required field is missing");
            }
            return e;
        }

        long positiveLong(String name) {
            long v = integer(name);
            if (v <= 0) {
                throw new ProtocolException(path(name) + ": expected a positive integer, got " + v);
            }
            return v;
        }

        long nonNegativeLong(String name) {
            long v = integer(name);
            if (v < 0) {
                throw new ProtocolException(path(name) + ": expected a non-negative integer, got " + v);
            }
            return v;
        }

        private long integer(String name) {
            JsonElement e = required(name);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw new ProtocolException(path(name) + ": expected an integer, got " + typeOf(e));
            }
            String literal = e.getAsNumber().toString();
            if (literal.contains(".") || literal.contains("e") || literal.contains("E")) {
                throw new ProtocolException(path(name) + ": expected an integer, got number " + literal);
            }
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException ex) {
                throw new ProtocolException(path(name) + ": integer " + literal + " is out of range");
            }
        }

        String nonEmptyString(String name) {
            JsonElement e = required(name);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new ProtocolException(path(name) + ": expected a string, got " + typeOf(e));
            }
            String s = e.getAsString();
            if (s.isEmpty()) {
                throw new ProtocolException(path(name) + ": expected a non-empty string");
            }
            return s;
        }

        String nonEmptyStringOrAlias(String name, String alias) {
            if (!has(name) && has(alias)) {
                return nonEmptyString(alias);
            }
            return nonEmptyString(name);
        }

        String optionalString(String name) {
            if (!has(name)) {
                return null;
            }
            JsonElement e = json.get(name);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new ProtocolException(path(name) + ": expected a string, got " + typeOf(e));
            }
            return e.getAsString();
        }

        boolean requiredBoolean(String name) {
            JsonElement e = required(name);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
                throw new ProtocolException(path(name) + ": expected a boolean, got " + typeOf(e));
            }
            return e.getAsBoolean();
        }

        Boolean optionalBoolean(String name) {
            return has(name) ? requiredBoolean(name) : null;
        }

        Fields object(String name) {
            JsonElement e = required(name);
            if (!e.isJsonObject()) {
                throw new ProtocolException(path(name) + ": expected an object, got " + typeOf(e));
            }
            return new Fields(e.getAsJsonObject(), path(name));
        }

        JsonArray array(String name) {
            JsonElement e = required(name);
            if (!e.isJsonArray()) {
                throw new ProtocolException(path(name) + ": expected an array, got " + typeOf(e));
            }
            return e.getAsJsonArray();
        }

        Fields element(String name, int index, JsonElement e) {
            String where = path(name) + "[" + index + "]";
            if (!e.isJsonObject()) {
                throw new ProtocolException(where + ": expected an object, got " + typeOf(e));
            }
            return new Fields(e.getAsJsonObject(), where);
        }

        List<String> stringList(String name) {
            JsonArray array = array(name);
            List<String> out = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                JsonElement e = array.get(i);
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isEmpty()) {
                    throw new ProtocolException(
                            path(name) + "[" + i + "]: expected a non-empty string, got " + typeOf(e));
                }
                out.add(e.getAsString());
            }
            return out;
        }
    }
}
