package io.opsagent.launcher.upgrade;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.annotations.SerializedName;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What the upgrade machinery must remember across restarts, in {@code /var/lib/visualops/upgrade.json}:
 * <ul>
 *   <li>the <b>pending</b> upgrade: ordered but not yet carried out (an agent stopped before
 *       its round ended carries it out at the next start, before it connects);</li>
 *   <li>the <b>in-flight</b> switch: a new release is current and must send its first
 *       Handshake before a deadline, or the previous release is restored;</li>
 *   <li><b>failures</b> per version: a version that failed {@code maxFailures} times is bad and
 *       not installed again unless an operator forgets its failures;</li>
 *   <li>the <b>last good</b> version: the last release that sent a Handshake on this host.</li>
 * </ul>
 * Every change is written at once, atomically (temporary file, fsync, rename). A file that
 * cannot be read is moved aside with an error in the log and the state starts empty. Unknown
 * fields are ignored, so an older release can read the file a newer one wrote after a rollback.
 * Methods are thread-safe.
 */
public final class UpgradeState {

    private static final Logger LOG = LogManager.getLogger(UpgradeState.class);

    /** The file's name in the state directory. */
    public static final String FILE_NAME = "upgrade.json";
    /** The format this class writes; readers ignore fields they do not know. */
    static final int FORMAT = 1;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private static final DateTimeFormatter ASIDE_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * An upgrade ordered and not yet carried out.
     *
     * @param version the release ordered
     * @param url the order's url, or null
     * @param orderedAt when the order arrived
     * @param downgrade whether the order allows a release older than the running one
     */
    public record PendingUpgrade(String version, String url, Instant orderedAt, boolean downgrade) {
        public PendingUpgrade {
            ReleaseVersion.requireValid(version);
            Objects.requireNonNull(orderedAt, "orderedAt");
        }

        /** A pending order that is not a downgrade. */
        public PendingUpgrade(String version, String url, Instant orderedAt) {
            this(version, url, orderedAt, false);
        }
    }

    /**
     * A switch to a new release that has not proved itself yet.
     *
     * @param version the release switched to
     * @param previousVersion the release switched from, or null if there was none
     * @param switchedAt when {@code current} was switched
     * @param firstStartAt when the new release first started, or null before then
     * @param starts how often the new release has started
     * @param deadline when the new release must have sent its first Handshake, or null before
     *     its first start (the deadline runs from the first start, not from the switch, so a slow
     *     supervisor does not cause a rollback)
     */
    public record InFlightSwitch(String version, String previousVersion, Instant switchedAt, Instant firstStartAt,
            int starts, Instant deadline) {
        public InFlightSwitch {
            ReleaseVersion.requireValid(version);
            if (previousVersion != null) {
                ReleaseVersion.requireValid(previousVersion);
            }
            Objects.requireNonNull(switchedAt, "switchedAt");
            if (starts < 0) {
                throw new IllegalArgumentException("starts must be >= 0, was " + starts);
            }
        }

        /** This switch after one more start of the new release at {@code now}. */
        public InFlightSwitch started(Instant now, Duration handshakeDeadline) {
            Instant first = firstStartAt == null ? now : firstStartAt;
            Instant due = deadline == null ? now.plus(handshakeDeadline) : deadline;
            return new InFlightSwitch(version, previousVersion, switchedAt, first, starts + 1, due);
        }
    }

    /**
     * The failures recorded against one version.
     *
     * @param version the release
     * @param count how many upgrades to it failed
     * @param lastAt when the last one failed
     * @param lastReason why the last one failed
     */
    public record VersionFailures(String version, int count, Instant lastAt, String lastReason) { }

    private final Path file;
    private final int maxFailures;
    private PendingUpgrade pending;
    private InFlightSwitch inFlight;
    private final Map<String, VersionFailures> failures = new LinkedHashMap<>();
    private String lastGood;

    private UpgradeState(Path file, int maxFailures) {
        this.file = file;
        this.maxFailures = maxFailures;
    }

    /**
     * Reads the state from {@code file}; a missing file is an empty state, a corrupt one is moved
     * aside (to {@code upgrade.json.corrupt-<UTC time>}) and also gives an empty state.
     *
     * @param maxFailures failures after which a version is bad
     * @param clock stamps the name of a file moved aside
     */
    public static UpgradeState load(Path file, int maxFailures, Clock clock) {
        Objects.requireNonNull(file, "file");
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures must be >= 1, was " + maxFailures);
        }
        UpgradeState state = new UpgradeState(file, maxFailures);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return state;
        } catch (IOException e) {
            // Unreadable is not corrupt: moving it aside could lose the failure counts.
            throw new UpgradeException(Kind.HOST, "cannot read the upgrade state " + file + ": " + e, e);
        }
        try {
            state.read(text);
        } catch (JsonParseException | IllegalArgumentException | IllegalStateException | DateTimeParseException
                | UpgradeException | IOException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + ASIDE_STAMP.format(clock.instant()));
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailure) {
                throw new UpgradeException(Kind.HOST, "the upgrade state " + file + " is corrupt (" + describe(e)
                        + ") and cannot be moved aside: " + moveFailure, moveFailure);
            }
            LOG.error("the upgrade state {} is corrupt ({}); moved it aside to {} and starting with no pending "
                    + "upgrade, no switch to verify and no failure counts", file, describe(e), aside);
            return new UpgradeState(file, maxFailures);
        }
        return state;
    }

    public Path file() {
        return file;
    }

    public int maxFailures() {
        return maxFailures;
    }

    public synchronized Optional<PendingUpgrade> pending() {
        return Optional.ofNullable(pending);
    }

    public synchronized void setPending(PendingUpgrade upgrade) {
        pending = Objects.requireNonNull(upgrade, "upgrade");
        save();
    }

    public synchronized void clearPending() {
        if (pending != null) {
            pending = null;
            save();
        }
    }

    public synchronized Optional<InFlightSwitch> inFlight() {
        return Optional.ofNullable(inFlight);
    }

    public synchronized void setInFlight(InFlightSwitch change) {
        inFlight = Objects.requireNonNull(change, "change");
        save();
    }

    public synchronized void clearInFlight() {
        if (inFlight != null) {
            inFlight = null;
            save();
        }
    }

    /** How many upgrades to {@code version} failed (since it last worked, or an operator forgot them). */
    public synchronized int failures(String version) {
        VersionFailures f = failures.get(version);
        return f == null ? 0 : f.count();
    }

    /** The failure record of {@code version}, if it has failed. */
    public synchronized Optional<VersionFailures> failureRecord(String version) {
        return Optional.ofNullable(failures.get(version));
    }

    /** Whether {@code version} failed {@link #maxFailures()} times and is not installed again. */
    public synchronized boolean isBad(String version) {
        return failures(version) >= maxFailures;
    }

    /**
     * Counts one failure of {@code version}.
     *
     * @return the failures now counted
     */
    public synchronized int recordFailure(String version, String reason, Instant at) {
        ReleaseVersion.requireValid(version);
        int count = failures(version) + 1;
        failures.put(version, new VersionFailures(version, count, at, reason));
        save();
        return count;
    }

    /**
     * Forgets the failures of {@code version}, so it may be installed again: the operator's way
     * out once a release is fixed and republished under the same version.
     *
     * @return whether it had failures
     */
    public synchronized boolean forgetFailures(String version) {
        if (failures.remove(version) == null) {
            return false;
        }
        save();
        return true;
    }

    /** The last release that sent a Handshake on this host. */
    public synchronized Optional<String> lastGood() {
        return Optional.ofNullable(lastGood);
    }

    /** Records that {@code version} came up and sent its Handshake; its failures are forgotten. */
    public synchronized void recordGood(String version) {
        ReleaseVersion.requireValid(version);
        boolean hadFailures = failures.remove(version) != null;
        boolean changed = hadFailures || !version.equals(lastGood);
        lastGood = version;
        if (changed) {
            save();
        }
    }

    // ------------------------------------------------------------------ file format

    /** The file's JSON shape; field names are the contract, documented in docs/upgrade.md. */
    private static final class Doc {
        Integer format;
        PendingDoc pending;
        @SerializedName("in_flight")
        InFlightDoc inFlight;
        Map<String, FailureDoc> failures;
        @SerializedName("last_good")
        String lastGood;
    }

    private static final class PendingDoc {
        String version;
        String url;
        @SerializedName("ordered_at")
        String orderedAt;
        Boolean downgrade;
    }

    private static final class InFlightDoc {
        String version;
        String previous;
        @SerializedName("switched_at")
        String switchedAt;
        @SerializedName("first_start_at")
        String firstStartAt;
        Integer starts;
        String deadline;
    }

    private static final class FailureDoc {
        Integer count;
        @SerializedName("last_at")
        String lastAt;
        @SerializedName("last_reason")
        String lastReason;
    }

    private void read(String text) throws IOException {
        if (text.isBlank()) {
            throw new IllegalStateException("the file is empty");
        }
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        Doc doc = GSON.fromJson(reader, Doc.class);
        if (reader.peek() != JsonToken.END_DOCUMENT) {
            throw new IllegalStateException("text after the JSON object");
        }
        if (doc == null) {
            throw new IllegalStateException("the file holds null");
        }
        if (doc.format != null && doc.format > FORMAT) {
            LOG.info("the upgrade state {} was written in format {} by a newer release; reading the fields of format {}",
                    file, doc.format, FORMAT);
        }
        if (doc.pending != null) {
            pending = new PendingUpgrade(doc.pending.version, doc.pending.url, instant(doc.pending.orderedAt, "ordered_at"),
                    Boolean.TRUE.equals(doc.pending.downgrade));
        }
        if (doc.inFlight != null) {
            InFlightDoc f = doc.inFlight;
            inFlight = new InFlightSwitch(f.version, f.previous, instant(f.switchedAt, "switched_at"),
                    optionalInstant(f.firstStartAt), f.starts == null ? 0 : f.starts, optionalInstant(f.deadline));
        }
        if (doc.failures != null) {
            for (Map.Entry<String, FailureDoc> e : doc.failures.entrySet()) {
                FailureDoc f = e.getValue();
                ReleaseVersion.requireValid(e.getKey());
                if (f == null || f.count == null || f.count < 0) {
                    throw new IllegalStateException("failures of " + e.getKey() + " have no valid count");
                }
                failures.put(e.getKey(), new VersionFailures(e.getKey(), f.count, optionalInstant(f.lastAt), f.lastReason));
            }
        }
        if (doc.lastGood != null) {
            lastGood = ReleaseVersion.requireValid(doc.lastGood);
        }
    }

    private void save() {
        Doc doc = new Doc();
        doc.format = FORMAT;
        if (pending != null) {
            doc.pending = new PendingDoc();
            doc.pending.version = pending.version();
            doc.pending.url = pending.url();
            doc.pending.orderedAt = pending.orderedAt().toString();
            doc.pending.downgrade = pending.downgrade() ? Boolean.TRUE : null;
        }
        if (inFlight != null) {
            doc.inFlight = new InFlightDoc();
            doc.inFlight.version = inFlight.version();
            doc.inFlight.previous = inFlight.previousVersion();
            doc.inFlight.switchedAt = inFlight.switchedAt().toString();
            doc.inFlight.firstStartAt = inFlight.firstStartAt() == null ? null : inFlight.firstStartAt().toString();
            doc.inFlight.starts = inFlight.starts();
            doc.inFlight.deadline = inFlight.deadline() == null ? null : inFlight.deadline().toString();
        }
        if (!failures.isEmpty()) {
            doc.failures = new LinkedHashMap<>();
            for (VersionFailures f : failures.values()) {
                FailureDoc d = new FailureDoc();
                d.count = f.count();
                d.lastAt = f.lastAt() == null ? null : f.lastAt().toString();
                d.lastReason = f.lastReason();
                doc.failures.put(f.version(), d);
            }
        }
        doc.lastGood = lastGood;
        byte[] bytes = (GSON.toJson(doc) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            FileOps.writeAtomically(file, bytes, FileOps.permissions(0600));
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot write the upgrade state " + file + ": " + e, e);
        }
    }

    private static Instant instant(String text, String field) {
        if (text == null) {
            throw new IllegalStateException(field + " is missing");
        }
        return Instant.parse(text);
    }

    private static Instant optionalInstant(String text) {
        return text == null ? null : Instant.parse(text);
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
    }
}
