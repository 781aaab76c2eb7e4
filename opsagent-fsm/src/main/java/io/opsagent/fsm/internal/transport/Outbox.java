package io.opsagent.fsm.internal.transport;

import io.opsagent.fsm.protocol.StateLog;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import io.opsagent.fsm.internal.store.OutboxJournal;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The ordered queue of StateLogs on their way to the backend. Owned by the agent's event loop.
 *
 * <p>Every log gets the next sequence number when it is queued. Logs wait here while the agent
 * is offline and are sent in order after the next Handshake, before any new one. Once the
 * backend has shown that it acknowledges ({@code StateLogAck}), a sent log stays until it is
 * acknowledged and is sent again after a reconnect; a backend that never acknowledges gets the
 * original behaviour: a log is done once it is written to the socket.
 *
 * <p>The queue is bounded: when it is full, the oldest log is dropped, and the drop is logged
 * with the number of logs lost so far.
 */
public final class Outbox {

    private static final Logger LOG = LogManager.getLogger(Outbox.class);

    /** Default bound on queued logs. */
    public static final int DEFAULT_CAPACITY = 10_000;

    /** Logs sent and waiting for an acknowledgement, oldest first. */
    private final Deque<StateLog> unacked = new ArrayDeque<>();
    /** Logs not sent yet, oldest first. */
    private final Deque<StateLog> pending = new ArrayDeque<>();
    private final int capacity;
    private long nextSeq;
    private long acked;
    private boolean backendAcks;
    /** Set once the backend has left sent logs unacknowledged for the whole ack wait. */
    private boolean backendSilent;
    private long dropped;
    private final OutboxJournal journal;

    public Outbox(int capacity, long firstSeq) {
        this(capacity, firstSeq, null, List.of(), false);
    }

    /**
     * An outbox that records its changes in {@code journal} (or null), starting with the logs a
     * journal replayed, which are sent first after the next Handshake.
     */
    public Outbox(int capacity, long firstSeq, OutboxJournal journal, List<StateLog> replayed,
            boolean backendAcknowledges) {
        if (capacity < 1) {
            throw new IllegalArgumentException("outbox capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.nextSeq = firstSeq;
        // Replayed logs carry sequence numbers below firstSeq; their acknowledgements must count.
        this.acked = replayed.isEmpty() ? firstSeq - 1 : Math.min(firstSeq, replayed.get(0).seq()) - 1;
        this.journal = journal;
        this.backendAcks = backendAcknowledges;
        pending.addAll(replayed);
        if (!replayed.isEmpty()) {
            LOG.info("{} StateLog(s) from before the restart will be sent after the next Handshake", replayed.size());
        }
    }

    /** Queues {@code log} under the next sequence number and returns it as it will be sent. */
    public StateLog add(StateLog log) {
        StateLog numbered = log.withSeq(nextSeq++);
        pending.addLast(numbered);
        if (journal != null) {
            journal.appended(numbered);
        }
        while (size() > capacity) {
            StateLog lost = unacked.isEmpty() ? pending.pollFirst() : unacked.pollFirst();
            dropped++;
            if (journal != null) {
                journal.done(lost.seq());
            }
            LOG.error("outbox full ({} logs): dropped the StateLog of state {} (seq {}); {} dropped so far", capacity,
                    lost.id(), lost.seq(), dropped);
        }
        return numbered;
    }

    /**
     * The logs to send now, in order. Each then waits for its acknowledgement — also while it is
     * not known yet whether the backend acknowledges at all, so that nothing written in that
     * window is lost — unless the backend has shown that it never acknowledges: then a log is
     * done once written, as with the original agent.
     */
    public List<StateLog> drain() {
        List<StateLog> out = new ArrayList<>(pending);
        if (backendSilent && !backendAcks) {
            if (journal != null && !out.isEmpty()) {
                journal.done(out.get(out.size() - 1).seq());
                journal.compactIfWorthIt(List.of(), nextSeq);
            }
        } else {
            unacked.addAll(pending);
        }
        pending.clear();
        return out;
    }

    /** Whether logs were sent and wait for an acknowledgement whose arrival is still uncertain. */
    public boolean awaitingFirstAcknowledgement() {
        return !backendAcks && !backendSilent && !unacked.isEmpty();
    }

    /**
     * Sent logs waited the whole ack wait on a live connection without any acknowledgement: the
     * backend does not acknowledge. They are done (as written), and so is every later log once
     * written.
     */
    public void backendDoesNotAcknowledge() {
        if (backendAcks || backendSilent) {
            return;
        }
        backendSilent = true;
        LOG.info("the backend does not acknowledge StateLogs; a log is done once written to the socket");
        if (!unacked.isEmpty() && journal != null) {
            journal.done(unacked.peekLast().seq());
            journal.compactIfWorthIt(pending, nextSeq);
        }
        unacked.clear();
    }

    /** The connection is gone: logs that were sent but not acknowledged are to be sent again. */
    public void connectionLost() {
        if (!unacked.isEmpty()) {
            LOG.info("{} StateLog(s) not acknowledged before the connection was lost; they will be sent again",
                    unacked.size());
            while (!unacked.isEmpty()) {
                pending.addFirst(unacked.pollLast());
            }
        }
    }

    /** A send failed on a closing socket: the logs go back to the front of the queue, in order. */
    public void requeue(List<StateLog> logs) {
        unacked.removeAll(logs);
        for (int i = logs.size() - 1; i >= 0; i--) {
            pending.addFirst(logs.get(i));
        }
    }

    /** The backend stored every log up to and including {@code seq}. */
    public void acknowledge(long seq) {
        if (!backendAcks) {
            backendAcks = true;
            backendSilent = false;
            if (journal != null) {
                journal.backendAcknowledges();
            }
            LOG.info("the backend acknowledges StateLogs; unacknowledged logs are kept and sent again after a reconnect");
        }
        if (seq <= acked) {
            return;
        }
        acked = seq;
        while (!unacked.isEmpty() && unacked.peekFirst().seq() <= seq) {
            unacked.pollFirst();
        }
        pending.removeIf(log -> log.seq() <= seq);
        if (journal != null) {
            journal.done(seq);
            List<StateLog> left = new ArrayList<>(unacked);
            left.addAll(pending);
            journal.compactIfWorthIt(left, nextSeq);
        }
    }

    /** Logs queued or waiting for an acknowledgement. */
    public int size() {
        return unacked.size() + pending.size();
    }

    public long dropped() {
        return dropped;
    }

    public long lastAcknowledged() {
        return acked;
    }

    public boolean backendAcknowledges() {
        return backendAcks;
    }

    public long nextSeq() {
        return nextSeq;
    }
}
