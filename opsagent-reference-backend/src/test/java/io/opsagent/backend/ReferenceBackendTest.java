package io.opsagent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reference backend against a real OkHttp WebSocket client on loopback. */
class ReferenceBackendTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private final OkHttpClient client = new OkHttpClient();
  private ReferenceBackend backend;
  private Client agent;

  /** A client side that records what it receives and how its connection ended. */
  private final class Client extends WebSocketListener {
    final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<String> ends = new LinkedBlockingQueue<>();
    final WebSocket socket;

    Client() {
      socket = client.newWebSocket(
          new Request.Builder().url(backend.url().toString()).build(), this);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      messages.add(text);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      ends.add("closing " + code + " " + reason);
      webSocket.close(code, null);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      ends.add("failure " + (response == null ? t.toString() : response.code()));
    }

    String next() throws InterruptedException {
      return messages.poll(5, TimeUnit.SECONDS);
    }

    String end() throws InterruptedException {
      return ends.poll(5, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void tearDown() {
    if (agent != null) {
      agent.socket.cancel();
    }
    if (backend != null) {
      backend.stop();
    }
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private static String handshake() {
    return "{\"code\":\"Handshake\",\"instance_id\":\"i-1\",\"app_id\":\"a-1\"}";
  }

  private static String stateLog(String id, long seq) {
    return "{\"code\":\"StateLog\",\"recipe_version\":1,\"id\":\"" + id
        + "\",\"state_result\":true,\"seq\":" + seq + "}";
  }

  @Test
  void pushesTheConfiguredRecipeAfterEveryHandshakeAndRecordsIt() throws Exception {
    Recipe recipe = Recipe.version(4).cmd("s1", "true").build();
    backend = ReferenceBackend.builder().recipeOnHandshake(recipe).build().start();
    agent = new Client();
    agent.socket.send(handshake());

    assertThat(agent.next()).isEqualTo(recipe.toJson());
    ReceivedMessage received = backend.awaitHandshake(1, WAIT);
    assertThat(received.code()).isEqualTo(MessageCodes.HANDSHAKE);
    assertThat(received.string("app_id")).isEqualTo("a-1");
    assertThat(received.connection()).isEqualTo(1);
    assertThat(received.receivedAtNanos()).isLessThanOrEqualTo(System.nanoTime());
    assertThat(backend.transcript()).extracting(Frame::kind)
        .contains(Frame.Kind.RECEIVED, Frame.Kind.SENT);
  }

  @Test
  void aStalledConnectionLeavesPingsUnansweredAndIsNotClosed() throws Exception {
    backend = ReferenceBackend.builder().build().start();
    OkHttpClient pinging = client.newBuilder().pingInterval(Duration.ofMillis(100)).build();
    LinkedBlockingQueue<String> ends = new LinkedBlockingQueue<>();
    WebSocket socket = pinging.newWebSocket(
        new Request.Builder().url(backend.url().toString()).build(), new WebSocketListener() {
          @Override
          public void onClosing(WebSocket webSocket, int code, String reason) {
            ends.add("closing " + code);
          }

          @Override
          public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            ends.add("failure " + t.getMessage());
          }
        });
    try {
      socket.send(handshake());
      backend.awaitHandshake(1, WAIT);
      backend.stallConnection();

      assertThat(ends.poll(5, TimeUnit.SECONDS)).as("how the client's connection ended")
          .startsWith("failure").contains("pong");
      assertThat(backend.connections()).as("the backend closed nothing").hasSize(1);
      assertThat(backend.connections().get(0).isOpen()).isTrue();
      assertThat(backend.transcript()).extracting(Frame::toString)
          .anyMatch(line -> line.contains("stalling"));
    } finally {
      socket.cancel();
    }
  }

  @Test
  void answersTheFirstHandshakesWithAppNotReady() throws Exception {
    backend = ReferenceBackend.builder().appNotReadyReplies(1)
        .recipeOnHandshake(Recipe.headerOnly(2)).build().start();
    agent = new Client();
    agent.socket.send(handshake());
    assertThat(agent.next()).isEqualTo("{\"code\":\"AppNotReady\"}");
    agent.socket.send(handshake());
    assertThat(agent.next()).isEqualTo("{\"code\":\"RecipeMetadata\",\"recipe_version\":2}");
  }

  @Test
  void acknowledgesStateLogsAndSetsResentOnesApart() throws Exception {
    backend = ReferenceBackend.builder().autoAck(true).build().start();
    agent = new Client();
    agent.socket.send(stateLog("s1", 1));
    assertThat(agent.next()).isEqualTo("{\"code\":\"StateLogAck\",\"seq\":1}");
    agent.socket.send(stateLog("s1", 1));
    agent.socket.send(stateLog("s2", 2));

    backend.awaitStateLogs(2, WAIT);
    assertThat(backend.stateLogs()).extracting(StateLog::id).containsExactly("s1", "s2");
    assertThat(backend.received(MessageCodes.STATE_LOG)).extracting(ReceivedMessage::isDuplicate)
        .containsExactly(false, true, false);
  }

  @Test
  void recordsMalformedAndBinaryFramesWithTheReason() throws Exception {
    backend = ReferenceBackend.builder().build().start();
    agent = new Client();
    agent.socket.send("{'code':'Handshake'}");
    agent.socket.send("[1]");
    agent.socket.send("{\"no\":\"code\"}");
    agent.socket.send(ByteString.encodeUtf8("{}"));

    backend.await("four frames", () -> backend.received().size() >= 4 ? true : null, WAIT);
    assertThat(backend.received()).extracting(ReceivedMessage::problem)
        .allMatch(problem -> problem != null)
        .contains("not a JSON object", "no string \"code\"", "binary frame");
  }

  @Test
  void sendsEveryScriptedMessage() throws Exception {
    backend = ReferenceBackend.builder().build().start();
    agent = new Client();
    backend.await("the connection", () -> backend.connections().isEmpty() ? null : true, WAIT);

    backend.pushRecipe(Recipe.empty(3));
    backend.releaseWait(3, "w1");
    backend.sendWaitList(3, List.of("w1", "w2"));
    backend.orderUpgrade("1.2", "ws://127.0.0.1:9/agent/");
    backend.sendAppNotReady();
    backend.sendTest();
    backend.sendTestAnswer(true, null);
    backend.acknowledge(9);
    backend.sendText("garbage");

    assertThat(agent.next()).isEqualTo("{\"code\":\"RecipeMetadata\",\"recipe_version\":3,\"state\":[]}");
    assertThat(agent.next()).isEqualTo("{\"code\":\"State\",\"recipe_version\":3,\"id\":\"w1\"}");
    assertThat(agent.next())
        .isEqualTo("{\"code\":\"WaitList\",\"recipe_version\":3,\"waited\":[\"w1\",\"w2\"]}");
    assertThat(agent.next())
        .isEqualTo("{\"code\":\"AgentUpdate\",\"version\":\"1.2\",\"url\":\"ws://127.0.0.1:9/agent/\"}");
    assertThat(agent.next()).isEqualTo("{\"code\":\"AppNotReady\"}");
    assertThat(agent.next()).isEqualTo("{\"code\":\"Test\"}");
    assertThat(agent.next()).isEqualTo("{\"code\":\"TestAns\",\"result\":true,\"error\":null}");
    assertThat(agent.next()).isEqualTo("{\"code\":\"StateLogAck\",\"seq\":9}");
    assertThat(agent.next()).isEqualTo("garbage");
  }

  @Test
  void closesGracefullyOrResetsTheConnection() throws Exception {
    backend = ReferenceBackend.builder().build().start();
    agent = new Client();
    backend.await("the connection", () -> backend.connections().isEmpty() ? null : true, WAIT);
    backend.closeConnection(1001, "going away");
    assertThat(agent.end()).isEqualTo("closing 1001 going away");
    backend.await("the close", () -> backend.connections().get(0).isOpen() ? null : true, WAIT);
    assertThat(backend.connections().get(0).endedAbruptly()).isFalse();

    Client second = new Client();
    backend.await("the second connection",
        () -> backend.connections().size() == 2 ? true : null, WAIT);
    backend.cancelConnection();
    assertThat(second.end()).startsWith("failure");
  }

  @Test
  void refusesConnectionsWhenToldAndRecordsTheAttempts() throws Exception {
    backend = ReferenceBackend.builder().build().start();
    backend.setRefuseConnections(true);
    agent = new Client();
    assertThat(agent.end()).isEqualTo("failure 503");
    assertThat(backend.awaitConnectionAttempts(1, WAIT).get(0).accepted()).isFalse();
    assertThat(backend.connections()).isEmpty();
  }

  @Test
  void restartsOnTheSamePortAndKeepsItsRecords() throws Exception {
    backend = ReferenceBackend.builder().build().start();
    agent = new Client();
    agent.socket.send(handshake());
    backend.awaitHandshake(1, WAIT);
    int port = backend.port();

    backend.stop();
    assertThat(agent.end()).startsWith("failure");
    assertThat(backend.isRunning()).isFalse();
    backend.start();
    assertThat(backend.port()).isEqualTo(port);
    Client again = new Client();
    again.socket.send(handshake());
    assertThat(backend.awaitHandshake(2, WAIT).connection()).isEqualTo(2);
    assertThat(backend.handshakes()).hasSize(2);
    again.socket.cancel();
  }

  @Test
  void awaitingExplainsWhatItWaitedForAndWhatItSaw() throws Exception {
    backend = ReferenceBackend.builder().build().start();
    assertThatThrownBy(() -> backend.awaitStateLogs(1, Duration.ofMillis(50)))
        .isInstanceOf(BackendTimeoutException.class)
        .hasMessageContaining("timed out after 50 ms waiting for 1 StateLog(s)")
        .hasMessageContaining("listening on");
  }

  @Test
  void scriptingWithoutAnAgentIsAnError() throws Exception {
    backend = ReferenceBackend.builder().build().start();
    assertThatThrownBy(() -> backend.sendTest())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no agent is connected");
  }

  @Test
  void bindsLoopbackOnly() throws Exception {
    assertThatThrownBy(() -> ReferenceBackend.builder().host(InetAddress.getByName("192.0.2.1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback");
  }

  @Test
  void recipesRoundTripThroughJsonAndRejectInvalidOnes() {
    Recipe recipe = Recipe.version(5).module("git://repo", "v1").cmd("a", "true")
        .comment("b", "note").waitFor("c").build();
    Recipe read = Recipe.fromJson(recipe.toJson());
    assertThat(read.toJson()).isEqualTo(recipe.toJson());
    assertThat(read.waitStateIds()).containsExactly("c");
    assertThat(Recipe.fromJson("{\"recipe_version\":2}").isHeaderOnly()).isTrue();
    assertThatThrownBy(() -> Recipe.fromJson("{\"recipe_version\":\"2\"}"))
        .hasMessageContaining("recipe_version must be a positive integer");
    assertThatThrownBy(() -> Recipe.fromJson("{\"recipe_version\":2,\"state\":[{\"id\":\"x\"}]}"))
        .hasMessageContaining("state[0] needs");
    assertThatThrownBy(() -> Recipe.version(1).cmd("a", "x").cmd("a", "y"))
        .hasMessageContaining("duplicate state id a");
  }
}
