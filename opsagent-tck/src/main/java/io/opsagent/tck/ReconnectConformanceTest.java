package io.opsagent.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.backend.ConnectionAttempt;
import io.opsagent.backend.MessageCodes;
import io.opsagent.backend.ReceivedMessage;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.StateLog;
import io.opsagent.tck.internal.Poll;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The conformance tests of SPEC.md section R4, reconnect and backoff: one test per testable rule of the
 * section, against the agent that {@link #createAgent()} returns. Extend it in a test source set,
 * like the class of every other section ({@link Rule.Section#conformanceTest()}), and return a
 * fresh adapter for every test (SPEC.md, "Running the kit").
 */
public abstract class ReconnectConformanceTest extends ConformanceTestBase {

  @Test
  @Tag("required")
  public void required_R4_1_reconnectsAfterBackendClosesConnection() {
    startAndConnect(settings().build());
    backend.closeConnection(1001, "going away");
    expectHandshakeOnNewConnection("the backend closed the connection");
  }

  @Test
  @Tag("required")
  public void required_R4_1_reconnectsAfterConnectionBreaks() {
    startAndConnect(settings().build());
    backend.cancelConnection();
    expectHandshakeOnNewConnection("the connection broke (reset without a close frame)");
  }

  @Test
  @Tag("required")
  public void required_R4_1_reconnectsAfterBackendRestarts() throws IOException {
    startAndConnect(settings().build());
    backend.stop();
    backend.start();
    expectHandshakeOnNewConnection("the backend restarted on the same port");
  }

  @Test
  @Tag("required")
  public void required_R4_2_reconnectAttemptsBackOffUpToMax() {
    Duration initial = ms(100);
    Duration max = ms(400);
    backend.setRefuseConnections(true);
    startAgent(settings().reconnect(initial, max).build());

    int count = 7;
    List<ConnectionAttempt> attempts =
        backend.awaitConnectionAttempts(count, env.signalTimeout()).subList(0, count);
    long total = 0;
    for (int i = 1; i < count; i++) {
      long gap = millisBetween(attempts.get(i - 1).atNanos(), attempts.get(i).atNanos());
      total += gap;
      check(gap <= atMost(max),
          "reconnect attempt %d came %d ms after the previous one, more than the reconnect"
              + " maximum %d ms (with the timing slack %d ms)",
          i + 1, gap, max.toMillis(), atMost(max));
    }
    long mean = total / (count - 1);
    check(mean >= initial.toMillis() / 4,
        "the agent tried to reconnect %d times in %d ms (mean gap %d ms): reconnect attempts"
            + " must back off (initial %d ms, exponential, full jitter)",
        count, total, mean, initial.toMillis());
    backend.setRefuseConnections(false);
    awaitHandshake(1, "the agent to connect once the backend accepts connections again");
  }

  @Test
  @Tag("required")
  public void required_R4_3_roundsContinueWhileDisconnected() {
    startAndConnect(settings().roundInterval(ms(150)).build());
    backend.pushRecipe(Recipe.version(1).cmd("off-r1", scratch.append("r1.runs", "run")).build());
    awaitLogs(1, "the first round");

    backend.stop();
    int before = scratch.lineCount("r1.runs");
    Poll.until("two more rounds after the backend stopped: rounds must go on while the agent is"
            + " disconnected",
        () -> scratch.lineCount("r1.runs") >= before + 2, env.signalTimeout(),
        env.pollInterval());
  }

  @Test
  @Tag("required")
  public void required_R4_4_logsQueuedOfflineAreDeliveredInOrderAfterHandshake() {
    startAndConnect(settings().roundInterval(ms(300)).build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("q-1", "true")
            .cmd("q-2", scratch.gate("q2.started", "q2.gate"))
            .cmd("q-3", scratch.append("q3.runs", "run"))
            .build());
    awaitFile("q2.started", "state q-2 to start");
    awaitLogs(1, "state q-1 to be reported");

    // go offline, and wait until the agent has noticed (it tries to reconnect and is refused)
    backend.setRefuseConnections(true);
    int attemptsBefore = backend.connectionAttempts().size();
    backend.cancelConnection();
    backend.awaitConnectionAttempts(attemptsBefore + 1, env.signalTimeout());
    scratch.create("q2.gate");
    Poll.until("two rounds to finish offline", () -> scratch.lineCount("q3.runs") >= 2,
        env.signalTimeout(), env.pollInterval());
    backend.setRefuseConnections(false);

    List<StateLog> logs = awaitLogs(6, "the StateLogs of the states that ran offline");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < logs.size(); i++) {
      expected.add("q-" + (i % 3 + 1));
    }
    assertThat(ids(logs))
        .as("StateLogs across the reconnect: every state that ran must be reported once, in"
            + " the order the states ran (q-1, q-2, q-3 repeated); a gap means logs were lost")
        .isEqualTo(expected);
    int second = logs.get(1).connection();
    ReceivedMessage firstOnSecond =
        backend.received().stream().filter(m -> m.connection() == second).findFirst()
            .orElseThrow();
    check(MessageCodes.HANDSHAKE.equals(firstOnSecond.code()),
        "queued StateLogs must follow the Handshake of the new connection, but the first frame"
            + " on connection #%d was: %s", second, firstOnSecond.text());
  }

  @Test
  public void optional_R4_5_unacknowledgedLogsAreResentAfterReconnect() {
    backend.setAutoAck(true);
    startAndConnect(settings().roundInterval(ms(10_000)).build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("ack-1", "true")
            .cmd("ack-2", scratch.gate("k2.started", "k2.gate"))
            .cmd("ack-3", "true")
            .build());
    StateLog acked = awaitLogs(1, "state ack-1 to be reported").get(0);
    requireSeq(acked);
    awaitFile("k2.started", "state ack-2 to start");

    backend.setAutoAck(false);
    scratch.create("k2.gate");
    List<StateLog> logs = awaitLogs(3, "states ack-2 and ack-3 to be reported");
    long seq2 = logs.get(1).seq();
    long seq3 = logs.get(2).seq();
    backend.cancelConnection();

    backend.await("ack-2 and ack-3 to be sent again on a new connection",
        () -> resentOnLaterConnection(seq3) ? Boolean.TRUE : null, env.signalTimeout());
    List<ReceivedMessage> again =
        backend.received().stream()
            .filter(m -> m.connection() > 1 && MessageCodes.STATE_LOG.equals(m.code()))
            .collect(Collectors.toList());
    List<Long> resent = again.stream().map(m -> m.integer("seq")).collect(Collectors.toList());
    check(resent.indexOf(seq2) >= 0 && resent.indexOf(seq2) < resent.indexOf(seq3),
        "unacknowledged StateLogs must be resent in seq order: expected %d then %d, got %s",
        seq2, seq3, resent);
    check(!resent.contains(acked.seq()),
        "StateLog seq %d was acknowledged and must not be resent, got %s", acked.seq(), resent);
    ReceivedMessage firstOnNew =
        backend.received().stream().filter(m -> m.connection() > 1).findFirst().orElseThrow();
    check(MessageCodes.HANDSHAKE.equals(firstOnNew.code()),
        "resent StateLogs must follow the Handshake, first frame was: %s", firstOnNew.text());
  }

  // ======================================================================== helpers

  private boolean resentOnLaterConnection(long seq) {
    return backend.received().stream()
        .anyMatch(m -> m.connection() > 1 && MessageCodes.STATE_LOG.equals(m.code())
            && Long.valueOf(seq).equals(m.integer("seq")));
  }
}
