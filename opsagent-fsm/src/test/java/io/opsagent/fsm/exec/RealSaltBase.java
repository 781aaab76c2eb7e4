package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testutil.RealSalt;
import io.opsagent.fsm.testutil.ResultRecorder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests against real upstream Salt share: the Salt executor (built in
 * {@link #newSaltExecutor()} only), the built-in executor, a private Salt configuration per
 * test class (so its cache and lock files are its own), and helpers that describe a tree on
 * disk so the two executors' end states can be compared. Every test skips with the reason where
 * real Salt is absent ({@link RealSalt#require()}).
 */
abstract class RealSaltBase {

    /** Generous: a salt-call costs about 2 s, a package or clone a few more. */
    static final Duration LIMIT = Duration.ofMinutes(3);

    private static final AtomicLong STATE_IDS = new AtomicLong();

    static Path saltCall;
    static StateExecutor salt;
    static final StateExecutor BUILTIN = new NativeExecutor();

    /** One executor, so one resident Salt worker, for every real-Salt test class of this JVM. */
    private static SaltCallExecutor shared;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findSalt() throws IOException {
        saltCall = RealSalt.require();
        salt = newSaltExecutor();
    }

    /**
     * The one place that builds the Salt executor under test: the resident worker, ready before
     * the first test (no state waits for a worker's start), shared by the classes of this JVM
     * since each Salt start costs seconds. {@code SaltWorkerRealSaltTest} covers the salt-call
     * path and the worker's start, stop and replacement.
     */
    static synchronized StateExecutor newSaltExecutor() throws IOException {
        if (shared == null) {
            Path home = Files.createTempDirectory("opsagent-real-salt-");
            SaltCallExecutor executor = new SaltCallExecutor(saltCall, home.resolve("salt-config"), home.resolve("salt-work"));
            JsonObject warmUp = new JsonObject(); // the worker starts with the first state
            warmUp.addProperty("path", home.resolve("warm-up").toString());
            warmUp.addProperty("content", "w");
            assertThat(applyWith(executor, "linux.file", warmUp, false).success()).as("a first state through Salt").isTrue();
            assertThat(executor.awaitWorker()).as("the resident Salt worker started").isTrue();
            Runtime.getRuntime().addShutdownHook(new Thread(executor::close, "real-salt-worker-stop"));
            shared = executor;
        }
        return shared;
    }

    static StateResult applyWith(StateExecutor executor, String module, JsonObject parameter, boolean dryRun) {
        RecipeState state = io.opsagent.fsm.testutil.Json.state("s" + STATE_IDS.incrementAndGet(), module, parameter);
        ResultRecorder recorder = new ResultRecorder();
        executor.start(new StateRequest(1, state, dryRun, LIMIT), recorder);
        StateResult result = recorder.await(LIMIT.plusSeconds(30));
        assertThat(result).as("result of %s %s", module, parameter).isNotNull();
        return result;
    }

    static StateResult salt(String module, JsonObject parameter) {
        return applyWith(salt, module, parameter, false);
    }

    static StateResult saltDryRun(String module, JsonObject parameter) {
        return applyWith(salt, module, parameter, true);
    }

    static StateResult builtin(String module, JsonObject parameter) {
        return applyWith(BUILTIN, module, parameter, false);
    }

    /** A changed success; the comment is quoted when it is not. */
    static void assertChanged(StateResult r) {
        assertThat(r.success()).as("success; comment: %s", r.comment()).isTrue();
        assertThat(r.changed()).as("changed; comment: %s", r.comment()).isTrue();
    }

    static void assertUnchanged(StateResult r) {
        assertThat(r.success()).as("success; comment: %s", r.comment()).isTrue();
        assertThat(r.changed()).as("unchanged; comment: %s", r.comment()).isFalse();
    }

    static void assertFailed(StateResult r) {
        assertThat(r.success()).as("failure; comment: %s", r.comment()).isFalse();
    }

    /**
     * Parameters from name/value pairs: a {@link Path} or {@link String} becomes a string, a
     * {@link Boolean} a boolean, a {@link List} a list of strings, a {@link Map} a key/value list.
     */
    static JsonObject params(Object... nameValue) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < nameValue.length; i += 2) {
            String name = (String) nameValue[i];
            Object v = nameValue[i + 1];
            if (v instanceof Boolean b) {
                o.addProperty(name, b);
            } else if (v instanceof List<?> list) {
                JsonArray a = new JsonArray();
                list.forEach(item -> a.add(item.toString()));
                o.add(name, a);
            } else if (v instanceof Map<?, ?> map) {
                JsonArray a = new JsonArray();
                map.forEach((k, value) -> {
                    JsonObject kv = new JsonObject();
                    kv.addProperty("key", k.toString());
                    kv.addProperty("value", value.toString());
                    a.add(kv);
                });
                o.add(name, a);
            } else {
                o.addProperty(name, v.toString());
            }
        }
        return o;
    }

    /** The permission bits of {@code path} (not following a link), as octal text, e.g. {@code 644}. */
    static String mode(Path path) throws IOException {
        return Integer.toOctalString((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    }

    /** {@code owner:group} of {@code path} itself (a link is not followed). */
    static String owner(Path path) throws IOException {
        PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.owner().getName() + ":" + a.group().getName();
    }

    /**
     * Everything below {@code root} (and root itself, as "."), one line per entry: type, mode,
     * owner and group, and the content's hash or the link's target. Links are not followed.
     */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String rel = root.equals(p) ? "." : root.relativize(p).toString();
                String what;
                if (Files.isSymbolicLink(p)) {
                    what = "link -> " + Files.readSymbolicLink(p);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    what = "dir " + mode(p);
                } else {
                    what = "file " + mode(p) + " sha256 " + sha256(Files.readAllBytes(p));
                }
                out.put(rel, what + " " + owner(p));
            }
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
