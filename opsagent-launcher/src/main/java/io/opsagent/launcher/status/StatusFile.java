package io.opsagent.launcher.status;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The status file, {@code /var/lib/visualops/status.json}: written by the running agent on every
 * transition, read by {@code opsagent status}. The schema is in docs/status.md.
 *
 * <p>{@link #write} is atomic: the document goes to a temporary file in the same directory,
 * which is flushed to disk and renamed over the old one, and the directory is flushed too. A
 * reader therefore sees the previous document or the new one, never a part. Readers ignore
 * fields they do not know; a document whose {@code schema_version} is newer than
 * {@link #SCHEMA_VERSION} is refused, since its fields may mean something else.
 */
public final class StatusFile {

    /** The schema this class writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    static final long MAX_BYTES = 4 * 1024 * 1024;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
            .create();

    private final Path file;

    public StatusFile(Path file) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
    }

    public Path file() {
        return file;
    }

    /**
     * Replaces the file with {@code status}, atomically.
     *
     * @throws StatusFileException when the directory cannot be written
     */
    public synchronized void write(AgentStatus status) {
        byte[] bytes = (GSON.toJson(toJsonTree(status)) + "\n").getBytes(StandardCharsets.UTF_8);
        Path dir = file.getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, ".status.json.", ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        } catch (IOException e) {
            throw new StatusFileException("cannot write status file " + file + ": " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // A leftover temporary file is harmless; the next write makes a new one.
                }
            }
        }
    }

    /**
     * Reads the file.
     *
     * @return empty when there is no status file (no agent has run under this root yet)
     * @throws StatusFileException when the file cannot be read or is not a status document
     */
    public Optional<AgentStatus> read() {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new StatusFileException("status file " + file + " is larger than " + MAX_BYTES + " bytes");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new StatusFileException("cannot read status file " + file + ": permission denied (run as root)", e);
        } catch (IOException e) {
            throw new StatusFileException("cannot read status file " + file + ": " + e, e);
        }
        return Optional.of(parse(text));
    }

    // ---------------------------------------------------------------- encoding

    /** The JSON document of {@code s}, as written to the file. */
    public static JsonObject toJsonTree(AgentStatus s) {
        JsonObject o = new JsonObject();
        o.addProperty("schema_version", SCHEMA_VERSION);
        o.addProperty("agent_version", s.agentVersion());
        o.addProperty("pid", s.pid());
        o.addProperty("started_at", s.startedAt().toString());
        o.addProperty("updated_at", s.updatedAt().toString());
        o.addProperty("connection_state", s.connectionState());
        o.add("backend_uri", string(s.backendUri()));
        o.addProperty("round_state", s.roundState());
        o.add("recipe_version", s.recipeVersion() == null ? JsonNull.INSTANCE : new JsonPrimitive(s.recipeVersion()));
        o.addProperty("state_count", s.stateCount());
        if (s.currentState() == null) {
            o.add("current_state", JsonNull.INSTANCE);
        } else {
            JsonObject c = new JsonObject();
            c.addProperty("index", s.currentState().index());
            c.addProperty("id", s.currentState().id());
            c.addProperty("module", s.currentState().module());
            c.addProperty("attempt", s.currentState().attempt());
            c.add("started_at", string(s.currentState().startedAt() == null ? null
                    : s.currentState().startedAt().toString()));
            if (s.currentState().waitingFor() == null) {
                c.add("waiting_for", JsonNull.INSTANCE);
            } else {
                JsonArray targets = new JsonArray();
                s.currentState().waitingFor().forEach(targets::add);
                c.add("waiting_for", targets);
            }
            o.add("current_state", c);
        }
        o.add("next_round_at", s.nextRoundAt() == null ? JsonNull.INSTANCE : new JsonPrimitive(s.nextRoundAt().toString()));
        o.add("next_reconnect_at", s.nextReconnectAt() == null ? JsonNull.INSTANCE
                : new JsonPrimitive(s.nextReconnectAt().toString()));
        JsonArray results = new JsonArray();
        for (AgentStatus.StateOutcome r : s.lastResults()) {
            JsonObject j = new JsonObject();
            j.addProperty("id", r.id());
            j.addProperty("module", r.module());
            j.addProperty("result", r.ok());
            j.add("comment", string(r.comment()));
            j.addProperty("finished_at", r.finishedAt().toString());
            results.add(j);
        }
        o.add("last_results", results);
        o.addProperty("outbox_depth", s.outboxDepth());
        if (s.lastRejectedRecipe() == null) {
            o.add("last_rejected_recipe", JsonNull.INSTANCE);
        } else {
            JsonObject r = new JsonObject();
            r.addProperty("recipe_version", s.lastRejectedRecipe().recipeVersion());
            r.addProperty("reason", s.lastRejectedRecipe().reason());
            r.addProperty("at", s.lastRejectedRecipe().at().toString());
            o.add("last_rejected_recipe", r);
        }
        o.add("instance_id_problem", string(s.instanceIdProblem()));
        if (s.lastRefusedFrame() == null) {
            o.add("last_refused_frame", JsonNull.INSTANCE);
        } else {
            AgentStatus.RefusedFrame f = s.lastRefusedFrame();
            JsonObject r = new JsonObject();
            r.addProperty("limit", f.limit());
            r.addProperty("seen", f.seen());
            r.addProperty("max", f.max());
            r.add("frame_type", string(f.frameType()));
            r.addProperty("reason", f.reason());
            r.addProperty("at", f.at().toString());
            o.add("last_refused_frame", r);
        }
        if (s.droppedInputs() == null) {
            o.add("dropped_inputs", JsonNull.INSTANCE);
        } else {
            AgentStatus.DroppedInputs d = s.droppedInputs();
            JsonObject r = new JsonObject();
            r.addProperty("rejected_events", d.rejectedEvents());
            r.addProperty("late_results", d.lateResults());
            r.addProperty("stale_timeouts", d.staleTimeouts());
            r.addProperty("stale_timers", d.staleTimers());
            r.addProperty("stale_releases", d.staleReleases());
            r.addProperty("unknown_wait_releases", d.unknownWaitReleases());
            r.addProperty("repeated_recipes", d.repeatedRecipes());
            r.addProperty("action_failures", d.actionFailures());
            o.add("dropped_inputs", r);
        }
        return o;
    }

    private static JsonElement string(String value) {
        return value == null ? JsonNull.INSTANCE : new JsonPrimitive(value);
    }

    // ---------------------------------------------------------------- decoding

    AgentStatus parse(String text) {
        JsonElement root;
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw fail("has text after the JSON document");
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw fail("is not valid JSON (" + e.getMessage() + ")");
        }
        if (!root.isJsonObject()) {
            throw fail("is not a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        long schema = number(o, "schema_version", true);
        if (schema > SCHEMA_VERSION) {
            throw fail("was written by a newer agent (schema_version " + schema + "); this opsagent reads "
                    + SCHEMA_VERSION);
        }
        List<AgentStatus.StateOutcome> results = new ArrayList<>();
        JsonElement list = o.get("last_results");
        if (list != null && !list.isJsonNull()) {
            if (!list.isJsonArray()) {
                throw fail("field 'last_results' must be an array");
            }
            for (JsonElement e : list.getAsJsonArray()) {
                if (!e.isJsonObject()) {
                    throw fail("every entry of 'last_results' must be an object");
                }
                JsonObject r = e.getAsJsonObject();
                results.add(new AgentStatus.StateOutcome(
                        text(r, "id", true),
                        text(r, "module", true),
                        bool(r, "result"),
                        text(r, "comment", false),
                        instant(r, "finished_at", true)));
            }
        }
        AgentStatus.CurrentState current = null;
        JsonElement c = o.get("current_state");
        if (c != null && !c.isJsonNull()) {
            if (!c.isJsonObject()) {
                throw fail("field 'current_state' must be an object or null");
            }
            JsonObject co = c.getAsJsonObject();
            current = new AgentStatus.CurrentState(
                    (int) number(co, "index", true),
                    text(co, "id", true),
                    text(co, "module", true),
                    (int) number(co, "attempt", false),
                    instant(co, "started_at", false),
                    texts(co, "waiting_for"));
        }
        JsonElement recipe = o.get("recipe_version");
        Long recipeVersion = recipe == null || recipe.isJsonNull() ? null : number(o, "recipe_version", true);
        try {
            return new AgentStatus(
                    text(o, "agent_version", true),
                    number(o, "pid", true),
                    instant(o, "started_at", true),
                    instant(o, "updated_at", true),
                    text(o, "connection_state", true),
                    text(o, "backend_uri", false),
                    text(o, "round_state", true),
                    recipeVersion,
                    (int) number(o, "state_count", false),
                    current,
                    instant(o, "next_round_at", false),
                    instant(o, "next_reconnect_at", false),
                    results,
                    (int) number(o, "outbox_depth", false),
                    rejected(o),
                    text(o, "instance_id_problem", false),
                    refused(o),
                    dropped(o));
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
    }

    private AgentStatus.RejectedRecipe rejected(JsonObject o) {
        JsonElement e = o.get("last_rejected_recipe");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw fail("last_rejected_recipe must be an object or null");
        }
        JsonObject r = e.getAsJsonObject();
        return new AgentStatus.RejectedRecipe(number(r, "recipe_version", true), text(r, "reason", true),
                instant(r, "at", true));
    }

    private AgentStatus.DroppedInputs dropped(JsonObject o) {
        JsonElement e = o.get("dropped_inputs");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw fail("dropped_inputs must be an object or null");
        }
        JsonObject r = e.getAsJsonObject();
        return new AgentStatus.DroppedInputs(number(r, "rejected_events", true), number(r, "late_results", true),
                number(r, "stale_timeouts", true), number(r, "stale_timers", true), number(r, "stale_releases", true),
                number(r, "unknown_wait_releases", true), number(r, "repeated_recipes", true),
                number(r, "action_failures", true));
    }

    private AgentStatus.RefusedFrame refused(JsonObject o) {
        JsonElement e = o.get("last_refused_frame");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw fail("last_refused_frame must be an object or null");
        }
        JsonObject r = e.getAsJsonObject();
        return new AgentStatus.RefusedFrame(text(r, "limit", true), number(r, "seen", true), number(r, "max", true),
                text(r, "frame_type", false), text(r, "reason", true), instant(r, "at", true));
    }

    private String text(JsonObject o, String name, boolean required) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw fail("misses field '" + name + "'");
            }
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw fail("field '" + name + "' must be a string");
        }
        return e.getAsString();
    }

    /** An optional array of strings; null when absent or null. */
    private List<String> texts(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonArray()) {
            throw fail("field '" + name + "' must be an array of strings or null");
        }
        List<String> out = new ArrayList<>();
        for (JsonElement item : e.getAsJsonArray()) {
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                throw fail("field '" + name + "' must be an array of strings or null");
            }
            out.add(item.getAsString());
        }
        return out;
    }

    private long number(JsonObject o, String name, boolean required) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw fail("misses field '" + name + "'");
            }
            return 0;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw fail("field '" + name + "' must be a number");
        }
        try {
            return e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
        } catch (ArithmeticException x) {
            throw fail("field '" + name + "' must be a whole number");
        }
    }

    private boolean bool(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw fail("field '" + name + "' must be true or false");
        }
        return e.getAsBoolean();
    }

    private Instant instant(JsonObject o, String name, boolean required) {
        String value = text(o, name, required);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw fail("field '" + name + "' is not an ISO-8601 instant: '" + value + "'");
        }
    }

    private StatusFileException fail(String problem) {
        return new StatusFileException("status file " + file + " " + problem);
    }
}
