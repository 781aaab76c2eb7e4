package io.opsagent.fsm.internal.store;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.BackendMessage;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.RecipeMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps the loaded recipe and the round's position in one file ({@code round.json}), replaced
 * atomically on every change that matters.
 *
 * <p>Saving is asynchronous and coalescing: the event loop hands over the newest snapshot and
 * goes on; {@link #SETTLE} later the store thread writes the newest one it has (temp file, fsync,
 * rename). The pause keeps the write (about 2 ms of CPU when it has not run for a while) from
 * competing for the CPUs with the StateLog and the next message the change is part of, and folds
 * a burst of changes into one write. A kill -9 can therefore lose at most the last ~100 ms of
 * progress, as a power loss can lose the outbox journal's, which only means a state is applied
 * once more — states are idempotent.
 *
 * <p>The file is {@code opsagent-round 1 <sha256 of the body>} on the first line and the body
 * (JSON) on the second. A file that fails the checksum or the strict parse is moved aside with
 * a log line that says where, and the agent starts clean: never a crash loop.
 */
public final class RoundStore {

    private static final Logger LOG = LogManager.getLogger(RoundStore.class);
    private static final String MAGIC = "opsagent-round 1 ";
    /** How long after a change its save is written. */
    static final Duration SETTLE = Duration.ofMillis(100);

    private final Path file;
    private final ProtocolCodec codec = new ProtocolCodec();
    private final Object lock = new Object();
    private PersistedRound latest;
    private boolean dirty;
    private boolean writing;
    private Future<?> scheduled = CompletableFuture.completedFuture(null);

    public RoundStore(Path directory) {
        this.file = directory.resolve("round.json");
    }

    public Path file() {
        return file;
    }

    /** The persisted round, or empty when there is none or it was damaged (then moved aside). */
    public Optional<PersistedRound> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.error("cannot read {}: {}; starting without a recipe", file, e.getMessage());
            return Optional.empty();
        }
        try {
            return Optional.of(decode(new String(bytes, StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            try {
                Path aside = AtomicFiles.moveAside(file, System.currentTimeMillis());
                LOG.error("{} is damaged ({}); moved it to {} and starting without a recipe", file, e.getMessage(),
                        aside);
            } catch (IOException io) {
                LOG.error("{} is damaged ({}) and cannot be moved aside: {}", file, e.getMessage(), io.getMessage());
            }
            return Optional.empty();
        }
    }

    /** Saves {@code round} soon (null: forget it), replacing any save not written yet. Any thread. */
    public void save(PersistedRound round) {
        synchronized (lock) {
            latest = round;
            dirty = true;
            if (!writing) {
                writing = true;
                scheduled = StoreThread.get().schedule(this::writeLatest, SETTLE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Waits until every save handed over so far is on disk. */
    public void flush() {
        while (true) {
            Future<?> pending;
            synchronized (lock) {
                if (!writing) {
                    return;
                }
                pending = scheduled;
            }
            try {
                pending.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                LOG.error("saving {} failed", file, e.getCause());
                return;
            }
        }
    }

    private void writeLatest() {
        while (true) {
            PersistedRound round;
            synchronized (lock) {
                if (!dirty) {
                    writing = false;
                    return;
                }
                round = latest;
                dirty = false;
            }
            try {
                if (round == null) {
                    Files.deleteIfExists(file);
                } else {
                    AtomicFiles.write(file, encode(round).getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot save the round to {}: {}", file, e.getMessage());
            }
        }
    }

    String encode(PersistedRound round) {
        JsonObject body = new JsonObject();
        body.add("recipe", codec.toJson(round.recipe()));
        body.addProperty("index", round.index());
        body.addProperty("attempt", round.attempt());
        body.addProperty("in_round", round.inRound());
        JsonArray released = new JsonArray();
        round.released().stream().sorted().forEach(released::add);
        body.add("released", released);
        body.addProperty("consecutive_failed_rounds", round.consecutiveFailedRounds());
        if (round.pendingUpgrade() != null) {
            body.add("pending_upgrade", codec.toJson(round.pendingUpgrade()));
        }
        String text = body.toString();
        return MAGIC + sha256(text) + "\n" + text + "\n";
    }

    PersistedRound decode(String content) {
        int newline = content.indexOf('\n');
        if (!content.startsWith(MAGIC) || newline < 0) {
            throw new IllegalStateException("not a round file (bad first line)");
        }
        String checksum = content.substring(MAGIC.length(), newline);
        String text = content.substring(newline + 1).strip();
        if (!checksum.equals(sha256(text))) {
            throw new IllegalStateException("checksum mismatch: the file is truncated or was changed");
        }
        JsonObject body = JsonParser.parseString(text).getAsJsonObject();
        BackendMessage recipe = codec.decodeBackendMessage(body.get("recipe").toString());
        if (!(recipe instanceof RecipeMetadata r) || r.isHeaderOnly()) {
            throw new IllegalStateException("the saved recipe is not a recipe with states");
        }
        Set<String> released = new HashSet<>();
        for (JsonElement e : body.getAsJsonArray("released")) {
            released.add(e.getAsString());
        }
        AgentUpdate upgrade = null;
        if (body.has("pending_upgrade")) {
            upgrade = (AgentUpdate) codec.decodeBackendMessage(body.get("pending_upgrade").toString());
        }
        int index = body.get("index").getAsInt();
        int attempt = body.get("attempt").getAsInt();
        int states = r.states().orElseThrow().size();
        if (index < 0 || (states > 0 && index >= states) || attempt < 1 || attempt > 2) {
            throw new IllegalStateException("index " + index + " or attempt " + attempt + " out of range");
        }
        return new PersistedRound(r, index, attempt, body.get("in_round").getAsBoolean(), released,
                body.get("consecutive_failed_rounds").getAsInt(), upgrade);
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
