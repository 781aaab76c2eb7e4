package io.opsagent.fsm.internal.store;

import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.opsagent.fsm.internal.RecipeReading;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.BackendMessage;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The format of {@code round.json}, written and read as streams: neither side ever holds the
 * file, or the recipe as one text, in memory. The cost of a stored recipe is that of the recipe
 * itself (its parameters as compact text), whatever its size.
 *
 * <p>The file is {@code opsagent-round 1 <sha256 of the body>} on the first line and the body
 * (one JSON object) on the second. Writing makes two passes (one for the checksum, one to the
 * file), and so does reading (the checksum first, then the parse): a damaged file is never parsed.
 */
final class RoundFile {

    static final String MAGIC = "opsagent-round 1 ";
    private static final int SHA256_HEX = 64;

    private final ProtocolCodec codec;

    RoundFile(ProtocolCodec codec) {
        this.codec = codec;
    }

    /** Writes the whole file for {@code round} to {@code out}. */
    void write(PersistedRound round, OutputStream out) throws IOException {
        MessageDigest digest = sha256();
        try (DigestOutputStream counting = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            writeBody(round, counting);
        }
        out.write((MAGIC + HexFormat.of().formatHex(digest.digest()) + "\n").getBytes(StandardCharsets.US_ASCII));
        writeBody(round, out);
        out.write('\n');
        out.flush();
    }

    private void writeBody(PersistedRound round, OutputStream out) throws IOException {
        Writer text = new OutputStreamWriter(new NonClosing(new BufferedOutputStream(out, 64 * 1024)),
                StandardCharsets.UTF_8);
        JsonWriter w = new JsonWriter(text);
        w.setSerializeNulls(true);
        w.beginObject();
        w.name("recipe");
        writeRecipe(round.recipe(), w);
        w.name("index").value(round.index());
        w.name("attempt").value(round.attempt());
        w.name("in_round").value(round.inRound());
        w.name("released").beginArray();
        for (String id : round.released().stream().sorted().toList()) {
            w.value(id);
        }
        w.endArray();
        w.name("consecutive_failed_rounds").value(round.consecutiveFailedRounds());
        if (round.pendingUpgrade() != null) {
            w.name("pending_upgrade").jsonValue(codec.encode(round.pendingUpgrade()));
        }
        w.endObject();
        w.close(); // flushes through to out; NonClosing keeps out open
    }

    /** The recipe as the codec encodes it, with each state's parameter text written as it is kept. */
    private static void writeRecipe(RecipeMetadata recipe, JsonWriter w) throws IOException {
        w.beginObject();
        w.name("code").value(RecipeMetadata.CODE);
        w.name("recipe_version").value(recipe.recipeVersion());
        if (recipe.module().isPresent()) {
            w.name("module").beginObject()
                    .name("repo").value(recipe.module().get().repo())
                    .name("tag").value(recipe.module().get().tag())
                    .endObject();
        }
        List<RecipeState> states = recipe.states().orElseThrow();
        w.name("state").beginArray();
        for (RecipeState s : states) {
            w.beginObject();
            w.name("id").value(s.id());
            w.name("module").value(s.module());
            w.name("parameter").jsonValue(s.parameterJson());
            w.endObject();
        }
        w.endArray();
        w.endObject();
    }

    /**
     * Reads the file; any damage (bad first line, checksum, syntax, a recipe beyond the codec's
     * limits, values out of range) is an {@link IllegalStateException} or a {@code ProtocolException}.
     */
    PersistedRound read(Path file) throws IOException {
        long size = Files.size(file);
        int headerLength = MAGIC.length() + SHA256_HEX + 1;
        String checksum;
        long bodyLength;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            byte[] header = in.readNBytes(headerLength);
            String first = new String(header, StandardCharsets.ISO_8859_1);
            if (header.length < headerLength || !first.startsWith(MAGIC) || first.charAt(headerLength - 1) != '\n') {
                throw new IllegalStateException("not a round file (bad first line)");
            }
            checksum = first.substring(MAGIC.length(), headerLength - 1);
            bodyLength = bodyLength(file, headerLength, size);
            MessageDigest digest = sha256();
            byte[] buffer = new byte[64 * 1024];
            long left = bodyLength;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IllegalStateException("the file ended early");
                }
                digest.update(buffer, 0, n);
                left -= n;
            }
            if (!checksum.equals(HexFormat.of().formatHex(digest.digest()))) {
                throw new IllegalStateException("checksum mismatch: the file is truncated or was changed");
            }
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            in.skipNBytes(headerLength);
            JsonReader reader = new JsonReader(new InputStreamReader(
                    new BufferedInputStream(new Bounded(in, bodyLength)), StandardCharsets.UTF_8));
            reader.setStrictness(Strictness.STRICT);
            reader.setNestingLimit(codec.limits().maxNestingDepth() + 1);
            return body(reader);
        }
    }

    /** The body's length: everything after the first line but the whitespace at the end. */
    private static long bodyLength(Path file, int headerLength, long size) throws IOException {
        long end = size;
        try (var channel = Files.newByteChannel(file)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            while (end > headerLength) {
                one.clear();
                channel.position(end - 1);
                if (channel.read(one) != 1) {
                    break;
                }
                byte b = one.get(0);
                if (b != '\n' && b != '\r' && b != ' ' && b != '\t') {
                    break;
                }
                end--;
            }
        }
        return end - headerLength;
    }

    private PersistedRound body(JsonReader r) throws IOException {
        RecipeMetadata recipe = null;
        Integer index = null;
        Integer attempt = null;
        Boolean inRound = null;
        Integer failed = null;
        Set<String> released = null;
        AgentUpdate upgrade = null;
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "recipe" -> recipe = RecipeReading.read(codec, r);
                case "index" -> index = r.nextInt();
                case "attempt" -> attempt = r.nextInt();
                case "in_round" -> inRound = r.nextBoolean();
                case "consecutive_failed_rounds" -> failed = r.nextInt();
                case "released" -> {
                    released = new HashSet<>();
                    r.beginArray();
                    while (r.hasNext()) {
                        released.add(r.nextString());
                    }
                    r.endArray();
                }
                case "pending_upgrade" -> {
                    BackendMessage m = codec.decodeBackendMessage(JsonParser.parseReader(r).toString());
                    if (!(m instanceof AgentUpdate u)) {
                        throw new IllegalStateException("pending_upgrade is not an AgentUpdate");
                    }
                    upgrade = u;
                }
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (r.peek() != JsonToken.END_DOCUMENT) {
            throw new IllegalStateException("unexpected data after the body");
        }
        if (recipe == null || recipe.isHeaderOnly() || index == null || attempt == null || inRound == null
                || failed == null || released == null) {
            throw new IllegalStateException("the body misses a field or its recipe has no states");
        }
        int states = recipe.states().orElseThrow().size();
        if (index < 0 || (states > 0 && index >= states) || attempt < 1 || attempt > 2) {
            throw new IllegalStateException("index " + index + " or attempt " + attempt + " out of range");
        }
        return new PersistedRound(recipe, index, attempt, inRound, released, failed, upgrade);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Passes writes on, but not close: the caller owns the stream. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /** The first {@code length} bytes of a stream. */
    private static final class Bounded extends java.io.FilterInputStream {
        private long left;

        Bounded(InputStream in, long length) {
            super(in);
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
