package io.opsagent.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.backend.BackendTimeoutException;
import io.opsagent.backend.MessageCodes;
import io.opsagent.backend.ReceivedMessage;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.StateLog;
import io.opsagent.tck.internal.Poll;
import io.opsagent.tck.internal.TestCertificates;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The conformance tests of SPEC.md section R1, transport and handshake: one test per testable rule of the
 * section, against the agent that {@link #createAgent()} returns. Extend it in a test source set,
 * like the class of every other section ({@link Rule.Section#conformanceTest()}), and return a
 * fresh adapter for every test (SPEC.md, "Running the kit").
 */
public abstract class TransportConformanceTest extends ConformanceTestBase {

  @Test
  @Tag("required")
  public void required_R1_1_sendsOnlyJsonObjectTextFramesWithCode() {
    startAndConnect(settings().build());
    backend.pushRecipe(Recipe.version(1).cmd("frames-1", "true").comment("frames-2", "x").build());
    awaitLogs(2, "the two states of the recipe to be reported");

    List<ReceivedMessage> malformed =
        backend.received().stream().filter(m -> !m.isWellFormed()).collect(Collectors.toList());
    assertThat(malformed)
        .as("frames that are not one JSON object with a string \"code\" in a text frame")
        .isEmpty();
  }

  @Test
  @Tag("required")
  public void required_R1_2_handshakeIsFirstFrameWithIdentity() {
    AgentSettings settings = settings().build();
    startAgent(settings);
    ReceivedMessage first =
        backend.awaitMessage("the agent's first frame", m -> true, env.signalTimeout());

    check(
        MessageCodes.HANDSHAKE.equals(first.code()),
        "the first frame on a new connection must be a Handshake, was: %s",
        first.text());
    checkIdentity(first, settings, "Handshake");
  }

  @Test
  @Tag("required")
  public void required_R1_3_appNotReadyRepeatsHandshakeOnSameConnectionAfterPause() {
    Duration pause = ms(250);
    backend.setAppNotReadyReplies(2);
    startAgent(settings().notReadyRetryPause(pause).build());

    backend.awaitHandshake(3, env.signalTimeout().plus(pause.multipliedBy(2)));
    List<ReceivedMessage> handshakes = backend.handshakes().subList(0, 3);
    for (int i = 1; i < 3; i++) {
      ReceivedMessage previous = handshakes.get(i - 1);
      ReceivedMessage next = handshakes.get(i);
      check(
          next.connection() == previous.connection(),
          "Handshake %d came on connection #%d, not on #%d that got AppNotReady:"
              + " AppNotReady must not make the agent reconnect",
          i + 1, next.connection(), previous.connection());
      long gap = millisBetween(previous.receivedAtNanos(), next.receivedAtNanos());
      check(
          gap >= atLeast(pause),
          "Handshake %d came %d ms after AppNotReady; the agent must pause %d ms first",
          i + 1, gap, pause.toMillis());
    }
    check(backend.connections().size() == 1,
        "AppNotReady must not make the agent reconnect, but it opened %d connections",
        backend.connections().size());
  }

  @Test
  public void optional_R1_4_testIsAnsweredWithIdentity() {
    AgentSettings settings = settings().build();
    startAndConnect(settings);
    backend.sendTest();

    ReceivedMessage reply =
        optionalMessage(m -> MessageCodes.TEST.equals(m.code()), "a Test reply to Test");
    checkIdentity(reply, settings, "Test reply");
  }

  @Test
  public void optional_R1_5_testAnswerMayCloseConnection() {
    startAndConnect(settings().build());
    backend.sendTest();
    backend.sendTestAnswer(true, null);

    // Either way is allowed: the connection stays, or the agent closes it and reconnects (R4.1).
    boolean closed = Poll.becomesTrueWithin(
        () -> !backend.connections().get(0).isOpen(), env.noSignalTimeout(), env.pollInterval());
    if (closed) {
      expectHandshakeOnNewConnection("the agent closed the connection after TestAns");
    }
    backend.pushRecipe(Recipe.version(1).cmd("tans-s1", "true").build());
    awaitLog(l -> "tans-s1".equals(l.id()), "a recipe pushed after TestAns to run: the agent must"
        + " go on working, on the same connection or, if it closed it, on a new one");
  }

  @Test
  public void optional_R1_6_waitQueryCarriesIdentityAndVersion() {
    AgentSettings settings = settings().build();
    startAndConnect(settings);
    backend.pushRecipe(Recipe.version(4).waitFor("query-wait").build());

    ReceivedMessage query =
        optionalMessage(m -> MessageCodes.WAIT_QUERY.equals(m.code()), "a WaitQuery");
    Problems problems = new Problems("WaitQuery " + query.text());
    problems.check(settings.instanceId().equals(query.string("instance_id")),
        "instance_id must be %s", settings.instanceId());
    problems.check(settings.appId().equals(query.string("app_id")), "app_id must be %s",
        settings.appId());
    problems.check(Long.valueOf(4).equals(query.integer("recipe_version")),
        "recipe_version must be the integer 4");
    problems.assertNone();
  }

  @Test
  @Tag("required")
  public void required_R1_7_waitListReleasesListedWaits() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(5).waitFor("list-w1").waitFor("list-w2").cmd("list-s3", "true").build());
    backend.sendWaitList(5, List.of("list-w1", "list-w2"));

    List<StateLog> logs =
        awaitLogs(3, "WaitList named both wait states; they must be released as by State");
    assertIds(logs.subList(0, 3), "list-w1", "list-w2", "list-s3");
    check(logs.subList(0, 3).stream().allMatch(StateLog::succeeded),
        "released wait states and the following state must succeed: %s", logs.subList(0, 3));
  }

  @Test
  @Tag("required")
  public void required_R1_8_wssVerifiesCertificatesAndHostNames() throws IOException {
    TestCertificates certificates = TestCertificates.get();
    serveTls(certificates.loopback());
    startAgent(settings().caFile(certificates.caPem()).build());
    awaitHandshake(1, "the agent, trusting the kit's CA, to connect over wss:// to a certificate"
        + " from that CA for 127.0.0.1");

    serveTls(certificates.otherHostName());
    expectTlsRefused(1, "a certificate from the trusted CA for another host name"
        + " (wrong-host.invalid)");
    serveTls(certificates.untrusted());
    expectTlsRefused(2, "a certificate for 127.0.0.1 that no trusted CA issued (self-signed)");
  }

  @Test
  public void optional_R1_9_pingsDetectDeadPeers() {
    Duration ping = ms(400);
    Duration reconnectMax = ms(300);
    AgentSettings settings = settings().pingInterval(ping).reconnect(ms(50), reconnectMax).build();
    startAndConnect(settings);
    backend.stallConnection();

    // A ping is due at most one interval after the stall; it counts as unanswered when the next
    // is due, one more interval later; then the reconnect waits at most its maximum.
    Duration configured = ping.multipliedBy(2).plus(reconnectMax);
    Duration bound = env.upperBound(configured);
    long stalled = System.nanoTime();
    ReceivedMessage second;
    try {
      second = backend.awaitHandshake(2, bound.plus(env.signalTimeout()));
    } catch (BackendTimeoutException e) {
      skipOptional("the agent kept a connection whose peer stopped answering for "
          + bound.plus(env.signalTimeout()).toMillis() + " ms");
      return;
    }
    long took = millisBetween(stalled, second.receivedAtNanos());
    if (took > bound.toMillis()) {
      skipOptional("the agent took " + took + " ms to leave a dead peer, more than two ping"
          + " intervals (" + ping.toMillis() + " ms) plus the reconnect maximum ("
          + configured.toMillis() + " ms) and the timing slack (" + bound.toMillis() + " ms)");
    }
    check(second.connection() != backend.handshakes().get(0).connection(),
        "the Handshake after a dead peer must come on a new connection, came on #%d",
        second.connection());
  }

  // ======================================================================== helpers

  /** Restarts the backend on its port, serving wss:// with this key and certificate. */
  private void serveTls(SSLContext context) throws IOException {
    backend.stop();
    backend.setTls(context);
    backend.start();
  }

  /**
   * The agent must try the backend (a TLS handshake fails at the backend: attempts in all reach
   * {@code failures}) and must not hand-shake over it.
   */
  private void expectTlsRefused(int failures, String certificate) {
    int handshakes = backend.handshakes().size();
    backend.await("the agent to connect again", () -> backend.tlsFailures().size() >= failures
        || backend.handshakes().size() > handshakes ? Boolean.TRUE : null, env.signalTimeout());
    check(backend.handshakes().size() == handshakes,
        "over wss:// the agent must refuse %s, but it hand-shook over it", certificate);
    boolean accepted = Poll.becomesTrueWithin(() -> backend.handshakes().size() > handshakes,
        env.noSignalTimeout(), env.pollInterval());
    check(!accepted, "over wss:// the agent must refuse %s, but it hand-shook over it",
        certificate);
  }

  private void checkIdentity(ReceivedMessage message, AgentSettings settings, String what) {
    Problems problems = new Problems(what + " " + message.text());
    problems.check(settings.instanceId().equals(message.string("instance_id")),
        "instance_id must be %s", settings.instanceId());
    problems.check(settings.appId().equals(message.string("app_id")), "app_id must be %s",
        settings.appId());
    String version = message.string("agent_version");
    problems.check(version != null && !version.isEmpty(),
        "agent_version must be a non-empty string");
    problems.check(Long.valueOf(1).equals(message.integer("protocol_version")),
        "protocol_version must be the integer 1");
    problems.check(settings.instanceToken().equals(message.string("instance_token")),
        "instance_token must be the configured token");
    problems.check(nullOrString(message, "init_errors"),
        "init_errors must be present, a string or null");
    problems.assertNone();
  }
}
