package io.opsagent.fsm.internal;

import com.google.gson.stream.JsonReader;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.RecipeMetadata;
import java.util.Objects;

/**
 * How the round store reads a recipe in the middle of its own JSON file with the codec's checks:
 * {@link ProtocolCodec} registers the reader as it is initialised, so that its Gson-typed method
 * stays out of the public API. This package is not exported.
 */
public final class RecipeReading {

    /** Reads a recipe from the next value of a strict reader, as {@link ProtocolCodec} does for frames. */
    @FunctionalInterface
    public interface Reader {
        RecipeMetadata read(ProtocolCodec codec, JsonReader in);
    }

    private static volatile Reader reader;

    private RecipeReading() { }

    /** Called once, by {@link ProtocolCodec}'s initialiser. */
    public static void register(Reader r) {
        reader = Objects.requireNonNull(r, "reader");
    }

    /** The next value of {@code in} as a recipe, with {@code codec}'s checks and limits. */
    public static RecipeMetadata read(ProtocolCodec codec, JsonReader in) {
        // An instance of the codec exists, so its initialiser has run and registered the reader.
        return reader.read(Objects.requireNonNull(codec, "codec"), in);
    }
}
