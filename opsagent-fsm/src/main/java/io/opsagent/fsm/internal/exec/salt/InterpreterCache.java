package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.opsagent.fsm.internal.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Remembers, in one small JSON file, the interpreter a {@code salt-call} reported, so a
 * restarted agent loads its Salt worker at once instead of spending a whole {@code salt-call}
 * start-up on asking again:
 * {@code {"salt_call": "<path>:<size>:<mtime>", "python": "/usr/bin/python3", "path": [...]}}.
 * An entry holds only for the {@code salt-call} file it was asked of (same path, size and
 * modification time); a file that cannot be read, is malformed or does not match is ignored.
 */
final class InterpreterCache {

    private static final Logger LOG = LogManager.getLogger(InterpreterCache.class);
    private static final int MAX_BYTES = 64 * 1024;

    private final Path file;

    InterpreterCache(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    Path file() {
        return file;
    }

    /** The remembered interpreter of the {@code salt-call} whose stamp is {@code saltCallStamp}. */
    Optional<SaltInterpreter> read(String saltCallStamp) {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                LOG.warn("ignoring {}: larger than {} bytes", file, MAX_BYTES);
                return Optional.empty();
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring {}: {}", file, e.toString());
            return Optional.empty();
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw new JsonParseException("not a JSON object");
            }
            JsonObject o = root.getAsJsonObject();
            if (!saltCallStamp.equals(string(o, "salt_call"))) {
                return Optional.empty(); // another or a changed salt-call: ask again
            }
            String python = string(o, "python");
            if (python == null || !Path.of(python).isAbsolute()) {
                throw new JsonParseException("no absolute \"python\"");
            }
            return Optional.of(new SaltInterpreter(Path.of(python), SaltInterpreter.modulePath(o.get("path"))));
        } catch (JsonParseException | IllegalStateException | InvalidPathException e) {
            LOG.warn("ignoring {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Remembers {@code interpreter} for the {@code salt-call} whose stamp is {@code saltCallStamp}. */
    void write(String saltCallStamp, SaltInterpreter interpreter) {
        JsonObject o = new JsonObject();
        o.addProperty("salt_call", saltCallStamp);
        o.addProperty("python", interpreter.python().toString());
        JsonArray path = new JsonArray();
        interpreter.path().forEach(path::add);
        o.add("path", path);
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, (o + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("could not remember Salt's interpreter in {}: {}", file, e.toString());
        }
    }

    /** Forgets the remembered interpreter. */
    void forget() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", file, e.toString());
        }
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }
}
