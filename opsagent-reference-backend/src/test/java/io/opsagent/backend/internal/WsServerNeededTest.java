package io.opsagent.backend.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.Test;

/**
 * Why the reference backend keeps its own {@link WsServer}: OkHttp's MockWebServer, which backs
 * the library's tests, cannot play a dead peer (R1.9). Its server side of a WebSocket is OkHttp's
 * own, whose reader answers pings before any listener hears of them: even a server listener that
 * does nothing at all keeps a pinging client alive. The stalled {@link WsServer} connection does
 * not (see {@code ReferenceBackendTest#aStalledConnectionLeavesPingsUnansweredAndIsNotClosed}).
 */
class WsServerNeededTest {

  @Test
  void mockWebServerAnswersPingsWhateverItsListenerDoes() throws Exception {
    LinkedBlockingQueue<String> ends = new LinkedBlockingQueue<>();
    OkHttpClient client = new OkHttpClient.Builder().pingInterval(Duration.ofMillis(50)).build();
    MockWebServer server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        // The most silent peer MockWebServer can be: a listener that ignores everything.
        return new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {}).build();
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    WebSocket socket = null;
    try {
      LinkedBlockingQueue<Boolean> opened = new LinkedBlockingQueue<>();
      socket = client.newWebSocket(
          new Request.Builder().url(server.url("/agent/")).build(), new WebSocketListener() {
            @Override
            public void onOpen(WebSocket webSocket, Response response) {
              opened.add(true);
            }

            @Override
            public void onFailure(WebSocket webSocket, Throwable t, Response response) {
              ends.add("failure " + t.getMessage());
            }
          });
      assertThat(opened.poll(5, TimeUnit.SECONDS)).as("the upgrade").isTrue();

      // Twenty ping intervals: a peer that left one ping unanswered would have failed the client.
      assertThat(ends.poll(1, TimeUnit.SECONDS))
          .as("how the connection to MockWebServer ended: it must not, its pongs keep it alive")
          .isNull();
    } finally {
      if (socket != null) {
        socket.cancel();
      }
      server.close();
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }
}
