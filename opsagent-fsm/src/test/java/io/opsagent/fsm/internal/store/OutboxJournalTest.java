package io.opsagent.fsm.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.internal.transport.Outbox;
import io.opsagent.fsm.protocol.StateLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxJournalTest {

    @TempDir
    Path dir;

    private static StateLog log(String id) {
        return new StateLog("i", "a", 3, id, true, "c " + id, null, null);
    }

    private Outbox reopen() throws IOException {
        OutboxJournal.Opened opened = OutboxJournal.open(dir, 1);
        OutboxJournal.Replay r = opened.replay();
        return new Outbox(100, r.nextSeq(), opened.journal(), r.pending(), r.backendAcknowledges());
    }

    /** Tasks of the store thread that repeat for ever: wake-ups of an idle agent. */
    private static long periodicStoreTasks() {
        return StoreThread.get().getQueue().stream()
                .filter(task -> task instanceof java.util.concurrent.RunnableScheduledFuture<?> f && f.isPeriodic())
                .count();
    }

    @Test
    void anOpenJournalSchedulesNoRepeatingWorkOnTheStoreThread() throws IOException {
        Outbox outbox = reopen();
        outbox.add(log("a"));

        assertThat(periodicStoreTasks()).isZero();
        assertThat(reopen().drain()).as("what was appended is there").extracting(StateLog::id).containsExactly("a");
    }

    @Test
    void logsNotYetDeliveredComeBackInOrderAfterARestart() throws IOException {
        Outbox outbox = reopen();
        outbox.add(log("a"));
        outbox.add(log("b"));
        outbox.add(log("c"));

        Outbox after = reopen();
        assertThat(after.drain()).extracting(StateLog::id, StateLog::seq)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 1L),
                        org.assertj.core.groups.Tuple.tuple("b", 2L), org.assertj.core.groups.Tuple.tuple("c", 3L));
        assertThat(after.add(log("d")).seq()).as("seq goes on").isEqualTo(4);
    }

    @Test
    void beforeTheBackendIsKnownToAckSentLogsAreKeptAndSentAgainAfterALostConnection() throws IOException {
        Outbox outbox = reopen();
        outbox.add(log("a"));
        assertThat(outbox.drain()).extracting(StateLog::id).containsExactly("a");
        assertThat(outbox.awaitingFirstAcknowledgement()).isTrue();
        outbox.connectionLost();
        assertThat(outbox.drain()).as("not lost in the window before the first ack").extracting(StateLog::id)
                .containsExactly("a");
        assertThat(reopen().drain()).as("and not lost across a restart either").extracting(StateLog::id)
                .containsExactly("a");
    }

    @Test
    void withABackendThatNeverAcksLogsAreDoneOnceWritten() throws IOException {
        Outbox outbox = reopen();
        outbox.add(log("a"));
        outbox.drain();
        outbox.backendDoesNotAcknowledge();
        outbox.add(log("b"));

        Outbox after = reopen();
        assertThat(after.drain()).extracting(StateLog::id).containsExactly("b");
    }

    @Test
    void withAnAckingBackendOnlyAcknowledgedLogsAreDoneEvenAcrossRestarts() throws IOException {
        Outbox outbox = reopen();
        outbox.acknowledge(0);
        outbox.add(log("a"));
        outbox.add(log("b"));
        outbox.drain();
        outbox.acknowledge(1);

        Outbox after = reopen();
        assertThat(after.backendAcknowledges()).isTrue();
        assertThat(after.drain()).extracting(StateLog::id).containsExactly("b");
        after.connectionLost();
        assertThat(after.drain()).as("kept until acknowledged").extracting(StateLog::id).containsExactly("b");
    }

    @Test
    void anAcknowledgementOfALogReplayedAfterARestartIsTaken() throws IOException {
        Outbox outbox = reopen();
        outbox.acknowledge(0);
        outbox.add(log("a"));
        outbox.add(log("b"));
        outbox.drain();
        outbox.acknowledge(1);
        // kill -9 here: "b" was sent but its acknowledgement never came.

        Outbox after = reopen();
        assertThat(after.drain()).extracting(StateLog::seq).containsExactly(2L);
        after.acknowledge(2);
        assertThat(after.size()).as("the resent log is acknowledged").isZero();
        assertThat(after.lastAcknowledged()).isEqualTo(2);
        after.connectionLost();
        assertThat(after.drain()).as("nothing is sent again after a reconnect").isEmpty();

        assertThat(reopen().drain()).as("nor after another restart").isEmpty();
    }

    @Test
    void theJournalIsOwnerOnlyWhenCreatedAndAfterCompaction() throws IOException {
        Outbox outbox = reopen();
        Path file = dir.resolve("outbox.journal");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        outbox.acknowledge(0);
        for (int i = 0; i < 1_200; i++) {
            outbox.add(log("s" + i));
            outbox.drain();
            outbox.acknowledge(i + 1);
        }
        assertThat(Files.readAllLines(file).size()).as("compacted").isLessThan(1_200);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left")
                    .containsExactly("outbox.journal");
        }
    }

    @Test
    void tornAndDamagedRecordsAreSkippedNotFatal() throws IOException {
        Outbox outbox = reopen();
        outbox.add(log("a"));
        outbox.add(log("b"));
        Path file = dir.resolve("outbox.journal");
        List<String> lines = Files.readAllLines(file);
        String damaged = lines.get(lines.size() - 1).replace("\"b\"", "\"x\"");
        lines.set(lines.size() - 1, damaged);
        Files.write(file, lines);
        Files.writeString(file, "L 123 {\"code\":\"Sta", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        OutboxJournal.Replay replay = OutboxJournal.read(file, 1);
        assertThat(replay.pending()).extracting(StateLog::id).containsExactly("a");
        assertThat(replay.skippedRecords()).isEqualTo(2);
        assertThat(replay.nextSeq()).isEqualTo(2);
    }

    @Test
    void journalIsCompactedOnceMostOfItIsDone() throws IOException {
        Outbox outbox = reopen();
        outbox.acknowledge(0);
        for (int i = 0; i < 1_500; i++) {
            outbox.add(log("s" + i));
            outbox.drain();
            outbox.acknowledge(i + 1);
        }
        outbox.add(log("last"));
        long lines = Files.readAllLines(dir.resolve("outbox.journal")).size();
        assertThat(lines).isLessThan(1_500);

        Outbox after = reopen();
        assertThat(after.drain()).extracting(StateLog::id).containsExactly("last");
        assertThat(after.add(log("next")).seq()).isEqualTo(1_502);
    }
}
