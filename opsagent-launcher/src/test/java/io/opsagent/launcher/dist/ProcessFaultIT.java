package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.launcher.host.FileModes;
import io.opsagent.launcher.testing.PackagedAgents;
import io.opsagent.backend.ReceivedMessage;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.backend.StateLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent ({@code bin/opsagent run}, the JVM with {@code -Xmx64m}) under process faults:
 * SIGKILL in the middle of a state and between a StateLog and its acknowledgement, a state that
 * floods its output, a state that hangs; and the modes of every file it keeps.
 *
 * <p>Every config sets {@code [network] instance_id}, so no agent here asks a metadata service.
 */
class ProcessFaultIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path release;

    @TempDir
    Path root;

    /** Where the states of a test keep their markers and gates. */
    private Path work;
    private ReferenceBackend backend;
    private PackagedAgents packaged;

    @BeforeAll
    static void unpack() throws Exception {
        PackagedAgents.unpack(release);
    }

    @BeforeEach
    void backendAndFolders() throws IOException {
        work = Files.createDirectories(root.resolve("work"));
        packaged = new PackagedAgents(release, root, "i-process-faults");
        backend = packaged.backend();
    }

    @AfterEach
    void stopEverything() throws Exception {
        // Gates open, so that no state process of a killed agent is left waiting.
        for (String gate : List.of("gate", "gate1", "gate2")) {
            Files.writeString(work.resolve(gate), "");
        }
        packaged.close();
    }

    // ------------------------------------------------------------------ kill -9

    @Test
    void killedInTheMiddleOfAStateItResumesAtOnceEvenWithTheBackendDownAndLosesNoLog() throws Exception {
        Recipe recipe = Recipe.version(1)
                .state("a", "linux.cmd", cmd("echo a >> a.runs"))
                .state("b", "linux.cmd", gated("b.runs", "gate"))
                .state("c", "linux.cmd", cmd("echo c >> c.runs"))
                .build();
        backend.setRecipeOnHandshake(recipe);

        Process first = startAgent();
        await(() -> lines("b.runs") == 1, "state b to start");
        backend.awaitStateLog("of state a", log -> "a".equals(log.id()), WAIT);
        await(() -> roundIndex().orElse(-1) == 1, "the round to be saved at state b");

        kill(first);
        backend.setRefuseConnections(true);
        Process second = startAgent();
        await(() -> lines("b.runs") == 2, "state b to run again after the restart");
        assertThat(lines("a.runs")).as("state a is not applied again").isEqualTo(1);
        Files.writeString(work.resolve("gate"), "");
        await(() -> lines("c.runs") == 1, "state c to run while the backend refuses connections");
        assertThat(backend.awaitConnectionAttempts(2, WAIT).get(1).accepted())
                .as("the restarted agent's first attempt was refused").isFalse();
        assertThat(backend.handshakes()).as("the backend was down all along").hasSize(1);

        backend.setRefuseConnections(false);
        backend.awaitHandshake(2, WAIT);
        backend.awaitStateLogs(3, WAIT);
        await(() -> logFileContains("recipe version 1 is already loaded; ignored"),
                "the re-push of version 1 after the Handshake to be recognised as a duplicate");
        backend.pushRecipe(Recipe.version(2).state("d", "linux.cmd", cmd("echo d >> d.runs")).build());
        backend.awaitStateLog("of state d", log -> "d".equals(log.id()), WAIT);

        assertThat(lines("a.runs")).as("the re-push did not restart the round").isEqualTo(1);
        assertThat(lines("c.runs")).isEqualTo(1);
        assertEverySeqOnceAndInOrder(List.of("1:a", "1:b", "1:c", "2:d"));
        assertThat(backend.stateLogs()).allMatch(StateLog::succeeded);
        assertThat(second.isAlive()).isTrue();
    }

    @Test
    void killedBetweenAStateLogAndItsAcknowledgementItResendsTheLogOnceAfterTheRestart() throws Exception {
        Recipe recipe = Recipe.version(1)
                .state("a", "linux.cmd", cmd("echo a >> a.runs"))
                .state("b", "linux.cmd", cmd("while [ ! -e gate1 ]; do sleep 0.02; done; echo b >> b.runs"))
                .state("c", "linux.cmd", gated("c.runs", "gate2"))
                .build();
        backend.setRecipeOnHandshake(recipe);

        Process first = startAgent();
        backend.awaitStateLog("of state a", log -> "a".equals(log.id()), WAIT);
        await(() -> journalHas("K "), "the agent to record that the backend acknowledges");
        backend.setAutoAck(false);
        Files.writeString(work.resolve("gate1"), "");
        StateLog b = backend.awaitStateLog("of state b", log -> "b".equals(log.id()), WAIT);
        await(() -> lines("c.runs") == 1 && roundIndex().orElse(-1) == 2, "state c to start and be saved");

        kill(first);
        backend.setAutoAck(true);
        startAgent();
        await(() -> lines("c.runs") == 2, "state c to run again after the restart");
        backend.await("the unacknowledged log of b to come again",
                () -> rawStateLogs(b.seq()).size() == 2 ? Boolean.TRUE : null, WAIT);
        // The resent log was acknowledged; a reconnect now must not send it a third time.
        backend.closeConnection(1000, "test: reconnect");
        backend.awaitHandshake(3, WAIT);
        Files.writeString(work.resolve("gate2"), "");
        backend.awaitStateLog("of state c", log -> "c".equals(log.id()), WAIT);

        assertThat(rawStateLogs(b.seq())).as("b was resent once, after the restart")
                .extracting(ReceivedMessage::connection).containsExactly(1, 2);
        assertThat(rawStateLogs(b.seq()).get(1).json()).isEqualTo(rawStateLogs(b.seq()).get(0).json());
        assertThat(lines("b.runs")).isEqualTo(1);
        assertEverySeqOnceAndInOrder(List.of("1:a", "1:b", "1:c"));
        assertThat(backend.received("StateLog")).as("no other resend").hasSize(4);
    }

    // ------------------------------------------------------------------ hostile states

    @Test
    void aStateThatPrints100MiBIsCappedAndTheAgentKeepsWithinItsSmallHeap() throws Exception {
        backend.setRecipeOnHandshake(Recipe.version(1)
                .state("flood", "linux.cmd", cmd("head -c 104857600 /dev/zero | tr '\\0' x; echo; echo the-end"))
                .state("after", "linux.cmd", cmd("echo still here"))
                .build());

        Process agent = startAgent();
        // One snapshot for both: right after the exec the JDK can read the new command before
        // /proc/<pid>/cmdline holds the JVM's arguments, and then reports none.
        AtomicReference<String[]> javaArguments = new AtomicReference<>();
        await(() -> {
            ProcessHandle.Info info = agent.info();
            if (info.command().orElse("").endsWith("/java") && info.arguments().isPresent()) {
                javaArguments.set(info.arguments().get());
                return true;
            }
            return false;
        }, "bin/opsagent to exec java");
        assertThat(javaArguments.get()).as("bin/opsagent gives the JVM a small heap")
                .contains("-Xmx64m", "-XX:+ExitOnOutOfMemoryError");
        List<StateLog> logs = backend.awaitStateLogs(2, Duration.ofSeconds(120));
        long peakRssKib = peakRssKib(agent);

        StateLog flood = logs.get(0);
        assertThat(flood.id()).isEqualTo("flood");
        assertThat(flood.succeeded()).as(flood.comment()).isTrue();
        int stdoutBytes = flood.stdout().getBytes(StandardCharsets.UTF_8).length;
        assertThat(stdoutBytes).isLessThanOrEqualTo(64 * 1024);
        assertThat(flood.stdout()).startsWith("xxxxxxxx").contains("bytes omitted").endsWith("the-end\n");
        assertThat(flood.comment().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64 * 1024);
        assertThat(logs.get(1).succeeded()).as("the agent goes on").isTrue();
        assertThat(agent.isAlive()).as("no OutOfMemoryError ended the agent").isTrue();
        System.out.printf("100 MiB flood: reported stdout %d bytes; agent peak RSS %d KiB (heap -Xmx64m)%n",
                stdoutBytes, peakRssKib);
    }

    @Test
    void aStateThatHangsIsTimedOutAndItsWholeTreeKilled() throws Exception {
        JsonObject hang = cmd("sleep 600 & echo $$$$ $$! > hang.pids; wait");
        hang.addProperty("timeout", "2");
        backend.setRecipeOnHandshake(Recipe.version(1)
                .state("hang", "linux.cmd", hang)
                .state("after", "linux.cmd", cmd("echo after"))
                .build());

        startAgent();
        StateLog log = backend.awaitStateLog("of state hang", l -> "hang".equals(l.id()), WAIT);

        assertThat(log.succeeded()).isFalse();
        assertThat(log.comment()).contains("timed out after 2 s; killed");
        List<Long> pids = Stream.of(Files.readString(work.resolve("hang.pids")).trim().split(" "))
                .map(Long::parseLong).toList();
        assertThat(pids).hasSize(2);
        // Killed by the time the StateLog is sent; a killed orphan may stay a zombie (which the
        // JDK counts as alive) until init reaps it, and a zombie runs nothing.
        await(() -> pids.stream().allMatch(ProcessFaultIT::goneOrZombie),
                "both processes of the hung state (" + pids + ") to be gone");
    }

    // ------------------------------------------------------------------ modes

    @Test
    void everyFileTheRunningAgentKeepsIsClosedToGroupAndOthers() throws Exception {
        backend.setRecipeOnHandshake(Recipe.version(1)
                .state("a", "linux.cmd", cmd("echo a"))
                .state("b", "linux.cmd", gated("b.runs", "gate"))
                .build());
        startAgent();
        backend.awaitStateLog("of state a", log -> "a".equals(log.id()), WAIT);
        Path state = root.resolve("var/lib/visualops");
        await(() -> Files.exists(state.resolve("status.json")) && Files.exists(state.resolve("round.json"))
                && journalHas("K "), "status.json, round.json and an outbox journal with records");

        assertThat(mode(state)).isEqualTo(0700);
        assertThat(mode(root.resolve("etc/opsagent.token"))).isEqualTo(0600);
        assertThat(mode(root.resolve("var/log/visualops"))).isEqualTo(0750);
        assertThat(mode(root.resolve("var/log/visualops/agent.log"))).isEqualTo(0640);
        Map<String, Integer> modes = new LinkedHashMap<>();
        modes.put("", mode(state));
        collectModes(state, state, modes);
        assertThat(modes).containsEntry("status.json", 0600).containsEntry("round.json", 0600)
                .containsEntry("outbox.journal", 0600).containsEntry("opsagent.lock", 0600);
        assertThat(modes).as("nothing under the state directory is open to group or others")
                .allSatisfy((path, mode) -> assertThat(mode & 0077).as(path + " " + FileModes.octal(mode)).isZero());
        System.out.println("modes under var/lib/visualops: " + modes);
    }

    // ------------------------------------------------------------------ helpers

    private Process startAgent() throws IOException {
        return packaged.start();
    }

    /** SIGKILL; bin/opsagent execs java, so this is the agent's JVM itself. */
    private static void kill(Process agent) throws InterruptedException {
        agent.destroyForcibly();
        assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(agent.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    }

    /** A {@code linux.cmd} running {@code command} with {@code sh -c} in the work folder. */
    private JsonObject cmd(String command) {
        JsonObject p = new JsonObject();
        p.addProperty("cmd", command);
        p.addProperty("cwd", work.toString());
        return p;
    }

    /** A state that appends a line to {@code marker}, then waits until {@code gate} exists. */
    private JsonObject gated(String marker, String gate) {
        return cmd("echo run >> " + marker + "; while [ ! -e " + gate + " ]; do sleep 0.02; done");
    }

    private long lines(String name) {
        try {
            return Files.readAllLines(work.resolve(name)).size();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The state index saved in round.json, when the agent is in a round. */
    private OptionalInt roundIndex() {
        try {
            List<String> content = Files.readAllLines(root.resolve("var/lib/visualops/round.json"));
            JsonObject body = JsonParser.parseString(content.get(1)).getAsJsonObject();
            return body.get("in_round").getAsBoolean() ? OptionalInt.of(body.get("index").getAsInt())
                    : OptionalInt.empty();
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean journalHas(String recordPrefix) {
        try {
            return Files.readAllLines(root.resolve("var/lib/visualops/outbox.journal")).stream()
                    .anyMatch(l -> l.startsWith(recordPrefix));
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean logFileContains(String text) {
        return packaged.logContains(text);
    }

    /** Every StateLog frame with this seq, resends included, in arrival order. */
    private List<ReceivedMessage> rawStateLogs(long seq) {
        return backend.received("StateLog").stream().filter(m -> Long.valueOf(seq).equals(m.integer("seq")))
                .toList();
    }

    /**
     * The backend holds exactly these logs ("version:id"), with seq 1..n in arrival order, and
     * every resend of a seq is the same log as its first sending.
     */
    private void assertEverySeqOnceAndInOrder(List<String> expected) {
        List<StateLog> logs = backend.stateLogs();
        assertThat(logs).extracting(l -> l.recipeVersion() + ":" + l.id()).containsExactlyElementsOf(expected);
        assertThat(logs).extracting(StateLog::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, expected.size()).boxed().toList());
        Map<Long, JsonObject> first = new LinkedHashMap<>();
        for (ReceivedMessage m : backend.received("StateLog")) {
            JsonObject previous = first.putIfAbsent(m.integer("seq"), m.json());
            if (previous != null) {
                assertThat(m.json()).as("a resend of seq " + m.integer("seq") + " is the same log").isEqualTo(previous);
            }
        }
    }

    /**
     * The modes of everything under {@code dir}, keyed by the path relative to {@code base}. The
     * running agent replaces its files through temporary ones; one that is renamed away while
     * the test looks has nothing left to check, and is skipped.
     */
    private static void collectModes(Path dir, Path base, Map<String, Integer> modes) throws IOException {
        List<Path> entries;
        try (Stream<Path> listing = Files.list(dir)) {
            entries = listing.toList();
        }
        for (Path p : entries) {
            try {
                modes.put(base.relativize(p).toString(), mode(p));
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    collectModes(p, base, modes);
                }
            } catch (NoSuchFileException gone) {
                // replaced meanwhile
            }
        }
    }

    private static int mode(Path p) throws IOException {
        return FileModes.mode(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** The agent JVM's peak resident set (VmHWM), read while it runs. */
    private static long peakRssKib(Process agent) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + agent.pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Whether {@code pid} has exited: gone, or a zombie that nobody has reaped yet. */
    private static boolean goneOrZombie(long pid) {
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
            } catch (IOException e) {
                return true; // gone between the two looks
            }
        }
        return true;
    }

    private void await(BooleanSupplier condition, String what) {
        await(condition, WAIT, () -> what);
    }

    private void await(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        packaged.await(condition, timeout, what);
    }
}
