package io.opsagent.fsm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded-random robustness: valid frames, mutated (bit flips in the UTF-8 bytes, character swaps,
 * truncations, deletions, insertions of JSON fragments, value type swaps, removed fields), must
 * decode to a message or be rejected with a {@link ProtocolException} — never any other exception
 * or error. A decoded message must survive encode and decode unchanged, and every rejection must
 * be one short line.
 *
 * <p>A failure names the seed, the case and the frame. Run another seed with
 * {@code -Dopsagent.fuzz.seed=N}.
 */
class MutatedFramesTest {

    private static final long SEED = Long.getLong("opsagent.fuzz.seed", 20_140_128L);
    private static final int CASES = 10_000;

    private static final List<String> BACKEND_SAMPLES = List.of("app-not-ready.json", "recipe-full.json",
            "recipe-header-only.json", "recipe-header-with-module.json", "recipe-empty.json",
            "recipe-original-scenario.json", "state-done.json", "waitlist.json", "agent-update.json",
            "test-request.json", "test-ans.json", "test-ans-ok.json", "statelog-ack.json");

    private static final List<String> AGENT_SAMPLES = List.of("handshake.json", "handshake-init-errors.json",
            "test-reply.json", "statelog.json", "statelog-builtin.json", "statelog-seq.json", "waitquery.json");

    /** Text spliced into a frame at a random place. */
    private static final List<String> FRAGMENTS = List.of("null", "true", "false", "0", "-1", "-0", "1.5", "1e3",
            "9223372036854775808", "\"\"", "\"x\"", "[]", "{}", "[1,\"a\",null]", "{\"a\":1}", ",", ":", "\"", "\\",
            "{", "}", "[", "]", "\"code\":", "\"state\":[", "\"id\":", "\"stateid\":\"s\",", "\\u0000", "\\ud800",
            "\\uZZZZ", "é", "😀", "\u0000", "\n", "\ud800", "NaN", "Infinity", "//", "/*", "'", "[".repeat(300),
            "{\"a\":".repeat(200), "\"" + "x".repeat(5_000) + "\"", " ".repeat(50), "\uFEFF");

    /** Values that replace a random value of a parsed frame. */
    private static final List<String> VALUES = List.of("null", "true", "false", "0", "-1", "1", "2", "1.5", "1e3",
            "9223372036854775808", "-9223372036854775809", "\"\"", "\"a\"", "\"State\"", "\"RecipeMetadata\"", "[]",
            "[\"a\"]", "[{}]", "[null]", "{}", "{\"repo\":\"r\",\"tag\":\"t\"}", "[{\"id\":\"a\",\"module\":\"m\"}]",
            "[{\"id\":\"a\",\"module\":\"m\"},{\"id\":\"a\",\"module\":\"m\"}]", "\"é😀\"",
            "[".repeat(140) + "]".repeat(140));

    private final ProtocolCodec codec = new ProtocolCodec();

    @Test
    void mutatedFramesToTheAgentDecodeOrFailWithAProtocolException() {
        run(BACKEND_SAMPLES, frame -> {
            BackendMessage m = codec.decodeBackendMessage(frame);
            BackendMessage again = codec.decodeBackendMessage(codec.encode(m));
            assertThat(again).as("decode(encode(m)) for m = %s", m).isEqualTo(m);
            return m;
        });
    }

    @Test
    void mutatedFramesToTheBackendDecodeOrFailWithAProtocolException() {
        run(AGENT_SAMPLES, frame -> {
            AgentMessage m = codec.decodeAgentMessage(frame);
            AgentMessage again = codec.decodeAgentMessage(codec.encode(m));
            assertThat(again).as("decode(encode(m)) for m = %s", m).isEqualTo(m);
            return m;
        });
    }

    private void run(List<String> sampleNames, Function<String, Message> decode) {
        List<String> samples = new ArrayList<>();
        for (String name : sampleNames) {
            samples.add(Samples.text(name));
        }
        Random master = new Random(SEED);
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < CASES; i++) {
            long caseSeed = master.nextLong();
            Random r = new Random(caseSeed);
            String frame = samples.get(r.nextInt(samples.size()));
            int mutations = 1 + r.nextInt(3);
            for (int k = 0; k < mutations; k++) {
                frame = mutate(frame, r);
            }
            try {
                decode.apply(frame);
                accepted++;
            } catch (ProtocolException e) {
                rejected++;
                String message = String.valueOf(e.getMessage());
                if (message.contains("\n") || message.length() > 400) {
                    fail(where(i, caseSeed, frame) + " gave a message that is not one short line: " + message);
                }
            } catch (Throwable t) {
                fail(where(i, caseSeed, frame) + " threw " + t, t);
            }
        }
        // both outcomes must be exercised, or the mutations are too mild or too wild to prove anything
        assertThat(accepted).as("frames accepted with seed %d", SEED).isGreaterThan(CASES / 20);
        assertThat(rejected).as("frames rejected with seed %d", SEED).isGreaterThan(CASES / 2);
    }

    private static String where(int index, long caseSeed, String frame) {
        String shown = frame.length() > 2_000 ? frame.substring(0, 2_000) : frame;
        return "seed " + SEED + ", case " + index + " (case seed " + caseSeed + "), frame of " + frame.length()
                + " chars " + new JsonPrimitive(shown) + (shown.length() < frame.length() ? "…" : "");
    }

    // ---------------------------------------------------------------- mutations

    private static String mutate(String frame, Random r) {
        switch (r.nextInt(8)) {
            case 0:
                return flipBit(frame, r);
            case 1:
                return replaceChar(frame, r);
            case 2:
                return frame.substring(0, r.nextInt(frame.length() + 1));
            case 3:
                return deleteRange(frame, r);
            case 4:
                return insert(frame, r.nextInt(frame.length() + 1), FRAGMENTS.get(r.nextInt(FRAGMENTS.size())));
            case 5:
                return duplicateRange(frame, r);
            case 6:
                return editTree(frame, r, false);
            default:
                return editTree(frame, r, true);
        }
    }

    private static String flipBit(String frame, Random r) {
        byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            return frame;
        }
        bytes[r.nextInt(bytes.length)] ^= (byte) (1 << r.nextInt(8));
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String replaceChar(String frame, Random r) {
        if (frame.isEmpty()) {
            return frame;
        }
        String specials = "{}[]\",:\\ \t\n0-1.eE+tfn\u0000\u001f\u00e9\u20ac\ud800\udc00";
        char c = r.nextBoolean() ? (char) (32 + r.nextInt(95)) : specials.charAt(r.nextInt(specials.length()));
        int at = r.nextInt(frame.length());
        return frame.substring(0, at) + c + frame.substring(at + 1);
    }

    private static String deleteRange(String frame, Random r) {
        if (frame.isEmpty()) {
            return frame;
        }
        int from = r.nextInt(frame.length());
        int to = Math.min(frame.length(), from + 1 + r.nextInt(10));
        return frame.substring(0, from) + frame.substring(to);
    }

    private static String duplicateRange(String frame, Random r) {
        if (frame.isEmpty()) {
            return frame;
        }
        int from = r.nextInt(frame.length());
        int to = Math.min(frame.length(), from + 1 + r.nextInt(30));
        return insert(frame, r.nextInt(frame.length() + 1), frame.substring(from, to));
    }

    private static String insert(String frame, int at, String text) {
        return frame.substring(0, at) + text + frame.substring(at);
    }

    /** Replaces (a type swap) or removes one value of the frame's JSON tree; a frame that does not parse gets a bit flip. */
    private static String editTree(String frame, Random r, boolean remove) {
        JsonElement root;
        try {
            root = JsonParser.parseString(frame);
        } catch (RuntimeException notJson) {
            return flipBit(frame, r);
        }
        List<JsonElement> parents = new ArrayList<>();
        List<Object> keys = new ArrayList<>();
        Deque<JsonElement> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            JsonElement e = todo.pop();
            if (e.isJsonObject()) {
                for (String key : e.getAsJsonObject().keySet()) {
                    parents.add(e);
                    keys.add(key);
                    todo.push(e.getAsJsonObject().get(key));
                }
            } else if (e.isJsonArray()) {
                for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                    parents.add(e);
                    keys.add(i);
                    todo.push(e.getAsJsonArray().get(i));
                }
            }
        }
        if (parents.isEmpty()) {
            return VALUES.get(r.nextInt(VALUES.size()));
        }
        int pick = r.nextInt(parents.size());
        JsonElement parent = parents.get(pick);
        Object key = keys.get(pick);
        JsonElement value = JsonParser.parseString(VALUES.get(r.nextInt(VALUES.size())));
        if (parent.isJsonObject()) {
            JsonObject o = parent.getAsJsonObject();
            if (remove) {
                o.remove((String) key);
            } else {
                o.add((String) key, value);
            }
        } else {
            JsonArray a = parent.getAsJsonArray();
            if (remove) {
                a.remove((int) (Integer) key);
            } else {
                a.set((Integer) key, value);
            }
        }
        return root.toString();
    }
}
