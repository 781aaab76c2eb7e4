package io.opsagent.fsm.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads one frame from a {@link JsonReader} in a single pass, into a tree that holds only what a
 * message can use, checking the limits as it goes.
 *
 * <p>Fields that no message has are skipped without being kept. A value of a known field that is
 * an array or object where a scalar belongs is kept as an empty one (enough to say what it was in
 * an error). The states' {@code parameter} objects are copied to compact JSON text, kept aside in
 * {@link Frame#parameters()}, and stand in the tree as empty objects. So the tree costs a few
 * hundred bytes per state whatever the frame holds, and the texts cost their size.
 *
 * <p>Only the limits are checked here; what the fields must be is checked afterwards, on the tree,
 * so that a syntax error anywhere in the frame is reported before any field's error.
 */
final class FrameReader {

    /** The fields of any message, at the top level of a frame. */
    private static final Set<String> TOP_FIELDS = Set.of("code", "recipe_version", "module", "state", "id",
            "stateid", "waited", "version", "url", "downgrade", "result", "error", "seq", "instance_id", "app_id", "agent_version",
            "protocol_version", "instance_token", "init_errors", "state_result", "state_comment", "state_stdout");
    private static final Set<String> MODULE_FIELDS = Set.of("repo", "tag");
    private static final Set<String> STATE_FIELDS = Set.of("id", "stateid", "module");

    /**
     * A frame as read: its tree, and the text of each state's parameter object (null where
     * {@code state[i]} or its {@code parameter} was not an object).
     */
    record Frame(JsonElement root, List<String> parameters) {}

    private final ProtocolLimits limits;

    FrameReader(ProtocolLimits limits) {
        this.limits = limits;
    }

    /** Reads the next value of {@code reader}; the reader must be set to the strictness wanted. */
    Frame read(JsonReader reader) throws IOException {
        List<String> parameters = new ArrayList<>();
        if (reader.peek() != JsonToken.BEGIN_OBJECT) {
            return new Frame(shallow(reader), parameters);
        }
        JsonObject root = new JsonObject();
        reader.beginObject();
        while (reader.hasNext()) {
            String name = reader.nextName();
            if (!TOP_FIELDS.contains(name)) {
                reader.skipValue();
            } else if (name.equals("state") && reader.peek() == JsonToken.BEGIN_ARRAY) {
                root.add(name, states(reader, parameters));
            } else if (name.equals("waited") && reader.peek() == JsonToken.BEGIN_ARRAY) {
                root.add(name, waited(reader));
            } else if (name.equals("module") && reader.peek() == JsonToken.BEGIN_OBJECT) {
                root.add(name, object(reader, MODULE_FIELDS));
            } else {
                root.add(name, shallow(reader));
            }
        }
        reader.endObject();
        return new Frame(root, parameters);
    }

    private JsonArray states(JsonReader reader, List<String> parameters) throws IOException {
        JsonArray states = new JsonArray();
        reader.beginArray();
        for (int i = 0; reader.hasNext(); i++) {
            if (i == limits.maxStates()) {
                throw new FrameLimitException("maxStates", i + 1L, limits.maxStates(), "state: more than "
                        + limits.maxStates() + " states; a recipe may have at most " + limits.maxStates());
            }
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                states.add(shallow(reader));
                parameters.add(null);
                continue;
            }
            JsonObject state = new JsonObject();
            String parameter = null;
            reader.beginObject();
            while (reader.hasNext()) {
                String name = reader.nextName();
                if (name.equals("parameter") && reader.peek() == JsonToken.BEGIN_OBJECT) {
                    parameter = parameterText(reader, "state[" + i + "].parameter");
                    state.add(name, new JsonObject());
                } else if (name.equals("parameter")) {
                    parameter = null;
                    state.add(name, shallow(reader));
                } else if (STATE_FIELDS.contains(name)) {
                    state.add(name, shallow(reader));
                } else {
                    reader.skipValue();
                }
            }
            reader.endObject();
            states.add(state);
            parameters.add(parameter);
        }
        reader.endArray();
        return states;
    }

    private JsonArray waited(JsonReader reader) throws IOException {
        JsonArray ids = new JsonArray();
        reader.beginArray();
        while (reader.hasNext()) {
            if (ids.size() == limits.maxStates()) {
                throw new FrameLimitException("maxStates", ids.size() + 1L, limits.maxStates(), "waited: more than "
                        + limits.maxStates() + " entries; a WaitList may have at most " + limits.maxStates());
            }
            ids.add(shallow(reader));
        }
        reader.endArray();
        return ids;
    }

    /** An object of which only {@code fields} are kept, each shallow. */
    private JsonObject object(JsonReader reader, Set<String> fields) throws IOException {
        JsonObject object = new JsonObject();
        reader.beginObject();
        while (reader.hasNext()) {
            String name = reader.nextName();
            if (fields.contains(name)) {
                object.add(name, shallow(reader));
            } else {
                reader.skipValue();
            }
        }
        reader.endObject();
        return object;
    }

    /** A scalar as it is; an array or object skipped and stood for by an empty one. */
    private static JsonElement shallow(JsonReader reader) throws IOException {
        switch (reader.peek()) {
            case BEGIN_ARRAY:
                reader.skipValue();
                return new JsonArray();
            case BEGIN_OBJECT:
                reader.skipValue();
                return new JsonObject();
            case STRING:
                return new JsonPrimitive(reader.nextString());
            case NUMBER:
                // The literal as written, as Gson's own parser keeps it (1e3 stays 1e3).
                return JsonParser.parseString(reader.nextString());
            case BOOLEAN:
                return new JsonPrimitive(reader.nextBoolean());
            case NULL:
                reader.nextNull();
                return JsonNull.INSTANCE;
            default:
                throw new ProtocolException("frame is not valid JSON: unexpected " + reader.peek() + reader.getPath());
        }
    }

    /** The object at the reader as compact JSON text, within the parameter limits. */
    private String parameterText(JsonReader reader, String path) throws IOException {
        BoundedText text = new BoundedText(limits.maxParameterBytes(), path);
        JsonWriter writer = new JsonWriter(text);
        writer.setSerializeNulls(true);
        int[] values = {0};
        copy(reader, writer, values, path);
        writer.flush();
        return text.toString();
    }

    private void copy(JsonReader reader, JsonWriter writer, int[] values, String path) throws IOException {
        if (++values[0] > limits.maxParameterValues()) {
            throw new FrameLimitException("maxParameterValues", values[0], limits.maxParameterValues(), path
                    + ": more than " + limits.maxParameterValues() + " JSON values; a state's parameter may have at most " + limits.maxParameterValues());
        }
        switch (reader.peek()) {
            case BEGIN_OBJECT:
                reader.beginObject();
                writer.beginObject();
                while (reader.hasNext()) {
                    writer.name(reader.nextName());
                    copy(reader, writer, values, path);
                }
                reader.endObject();
                writer.endObject();
                break;
            case BEGIN_ARRAY:
                reader.beginArray();
                writer.beginArray();
                while (reader.hasNext()) {
                    copy(reader, writer, values, path);
                }
                reader.endArray();
                writer.endArray();
                break;
            case STRING:
                writer.value(reader.nextString());
                break;
            case NUMBER:
                writer.jsonValue(reader.nextString());
                break;
            case BOOLEAN:
                writer.value(reader.nextBoolean());
                break;
            case NULL:
                reader.nextNull();
                writer.nullValue();
                break;
            default:
                throw new ProtocolException("frame is not valid JSON: unexpected " + reader.peek() + reader.getPath());
        }
    }

    /** A text sink that refuses to grow past a number of UTF-8 bytes. */
    private static final class BoundedText extends Writer {
        private final StringBuilder text = new StringBuilder();
        private final long maxBytes;
        private final String path;
        private long bytes;

        BoundedText(long maxBytes, String path) {
            this.maxBytes = maxBytes;
            this.path = path;
        }

        @Override
        public void write(char[] chars, int off, int len) {
            write(new String(chars, off, len), 0, len);
        }

        @Override
        public void write(String s, int off, int len) {
            for (int i = off; i < off + len; i++) {
                char c = s.charAt(i);
                // A surrogate counts 2, so that a pair counts the 4 bytes it takes.
                bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
            }
            if (bytes > maxBytes) {
                throw new FrameLimitException("maxParameterBytes", bytes, maxBytes, path + ": larger than " + maxBytes
                        + " bytes; a state's parameter may have at most " + maxBytes);
            }
            text.append(s, off, off + len);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
