package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.opsagent.fsm.internal.exec.process.ResidentProcess;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One running resident Salt worker ({@code opsagent-salt-worker.py}): Salt loaded once, one
 * request at a time over its standard input and output, one JSON object per line. A reply is
 * turned into a {@link StateResult} by {@link SaltResultParser}, the same rules as salt-call's
 * output. Used by one thread at a time (the Salt lane).
 */
final class SaltWorker {

    /** The largest line read from the worker: as much as is read of salt-call's output. */
    static final int REPLY_CAP_BYTES = 16 * 1024 * 1024;

    private static final int HELLO_CAP_BYTES = 64 * 1024;
    private static final Duration EXIT_GRACE = Duration.ofSeconds(5);

    private final ResidentProcess process;
    private final String saltVersion;
    private final Path saltDir;
    private int states;

    private SaltWorker(ResidentProcess process, String saltVersion, Path saltDir) {
        this.process = process;
        this.saltVersion = saltVersion;
        this.saltDir = saltDir;
    }

    /**
     * Reads the worker's first line, which says whether Salt loaded.
     *
     * @throws SaltWorkerException when it did not, exited, or said something else
     */
    static SaltWorker awaitReady(ResidentProcess process) throws SaltWorkerException {
        Optional<String> line;
        try {
            line = process.readLine(HELLO_CAP_BYTES);
        } catch (IOException e) {
            throw new SaltWorkerException("could not read its first line: " + e.getMessage());
        }
        if (line.isEmpty()) {
            process.awaitExit(EXIT_GRACE);
            throw new SaltWorkerException("it exited" + exitText(process) + " before it was ready");
        }
        JsonObject hello = object(line.get())
                .orElseThrow(() -> new SaltWorkerException("its first line is not a JSON object: " + quote(line.get())));
        if (!hello.has("ready") || !hello.get("ready").isJsonPrimitive() || !hello.get("ready").getAsBoolean()) {
            String error = hello.has("error") ? hello.get("error").getAsString() : quote(line.get());
            throw new SaltWorkerException("Salt did not load: " + error);
        }
        String version = text(hello, "salt_version").orElse("unknown");
        Path dir = text(hello, "salt_dir").map(Path::of).orElse(null);
        return new SaltWorker(process, version, dir);
    }

    ResidentProcess process() {
        return process;
    }

    String saltVersion() {
        return saltVersion;
    }

    /** The directory of Salt's {@code salt} package, as the worker imported it; null if it did not say. */
    Path saltDir() {
        return saltDir;
    }

    /** How many states this worker has applied. */
    int states() {
        return states;
    }

    /** Resident memory of the worker, in KiB; empty where unknown. */
    OptionalLong residentKib() {
        return process.residentKib();
    }

    /**
     * Applies {@code vops.sls} from the worker's file root.
     *
     * @throws SaltWorkerException when the worker ended or broke the protocol: it must not be used again
     */
    StateResult apply(boolean dryRun) throws SaltWorkerException {
        try {
            process.writeLine(dryRun ? "{\"test\":true}" : "{\"test\":false}");
        } catch (IOException e) {
            // Nothing reads its input any more: it ended before this state, which it never saw.
            process.awaitExit(EXIT_GRACE);
            throw new NotDelivered("it had exited" + exitText(process) + " before it was sent the state ("
                    + e.getMessage() + ")");
        }
        states++;
        Optional<String> line;
        try {
            line = process.readLine(REPLY_CAP_BYTES);
        } catch (ResidentProcess.LineTooLongException e) {
            throw new SaltWorkerException("its reply is " + e.getMessage() + ", more than the agent reads; "
                    + "the result was not parsed");
        } catch (IOException e) {
            line = Optional.empty();
        }
        if (line.isEmpty()) {
            process.awaitExit(EXIT_GRACE);
            throw new SaltWorkerException("it exited" + exitText(process) + " while applying the state;"
                    + " its messages are in the agent's log");
        }
        return parseReply(line.get(), dryRun);
    }

    /** Turns one reply line into a result; a reply that is not one is a protocol error. */
    static StateResult parseReply(String line, boolean dryRun) throws SaltWorkerException {
        JsonObject reply = object(line)
                .orElseThrow(() -> new SaltWorkerException("its reply is not a JSON object: " + quote(line)));
        if (reply.has("error")) {
            throw new SaltWorkerException("it refused the request: " + reply.get("error").getAsString());
        }
        JsonElement retcode = reply.get("retcode");
        if (!reply.has("return") || retcode == null || !retcode.isJsonPrimitive() || !retcode.getAsJsonPrimitive().isNumber()) {
            throw new SaltWorkerException("its reply has no \"retcode\" and \"return\": " + quote(line));
        }
        JsonObject asSaltCall = new JsonObject();
        asSaltCall.add("local", reply.get("return"));
        return SaltResultParser.parse(asSaltCall.toString(), "", retcode.getAsInt(), dryRun);
    }

    /** Asks the worker to exit (end of input), and kills its tree when it does not within a few seconds. */
    void retire() {
        process.closeInput();
        process.awaitExit(EXIT_GRACE);
        process.killTreeAndAwaitGone();
    }

    private static Optional<JsonObject> object(String line) {
        try {
            JsonElement e = JsonParser.parseString(line);
            return e.isJsonObject() ? Optional.of(e.getAsJsonObject()) : Optional.empty();
        } catch (JsonParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? Optional.of(e.getAsString()) : Optional.empty();
    }

    private static String exitText(ResidentProcess process) {
        OptionalLong code = process.exitCode();
        return code.isPresent() ? " with code " + code.getAsLong() : "";
    }

    private static String quote(String line) {
        String s = line.length() > 200 ? line.substring(0, 200) + "..." : line;
        return "\"" + s + "\"";
    }

    /** The worker cannot be used: it did not start, ended, or broke the protocol. */
    static class SaltWorkerException extends Exception {

        private static final long serialVersionUID = 1L;

        SaltWorkerException(String message) {
            super(Objects.requireNonNull(message, "message"));
        }
    }

    /**
     * The worker could not be sent the state: it had ended before (killed, crashed) although the
     * JDK may not have reaped it yet. The state did not run, so another worker may run it.
     */
    static final class NotDelivered extends SaltWorkerException {

        private static final long serialVersionUID = 1L;

        NotDelivered(String message) {
            super(message);
        }
    }
}
