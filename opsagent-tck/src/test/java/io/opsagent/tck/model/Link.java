package io.opsagent.tck.model;

import com.google.gson.JsonObject;
import io.opsagent.tck.AgentSettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * The model agent's connection (SPEC R1, R4): connects, hand-shakes on every connection,
 * reconnects with exponential backoff and full jitter, and keeps the StateLog outbox: logs wait
 * while offline and follow the next Handshake in order; once the backend has acknowledged
 * anything, sent logs are kept until acknowledged and resent after a reconnect. Used on the
 * agent's loop thread, except the OkHttp callbacks, which only post to it.
 */
final class Link {

  private static final int MAX_KEPT = 10_000;

  private static final class Entry {
    final long seq;
    final String frame;

    Entry(long seq, String frame) {
      this.seq = seq;
      this.frame = frame;
    }
  }

  private final ModelAgent agent;
  private final AgentSettings settings;
  private final OkHttpClient client;
  private WebSocket socket;
  private volatile WebSocket closingSocket;
  private boolean open;
  private boolean closing;
  private int failedAttempts;
  private ScheduledFuture<?> reconnect;
  private final CountDownLatch closed = new CountDownLatch(1);

  private long nextSeq = 1;
  private boolean ackSeen;
  private final Deque<Entry> queued = new ArrayDeque<>();
  private final Deque<Entry> unacknowledged = new ArrayDeque<>();

  Link(ModelAgent agent) {
    this.agent = agent;
    this.settings = agent.settings();
    OkHttpClient.Builder builder = new OkHttpClient.Builder().pingInterval(settings.pingInterval());
    if (agent.breaks(Breakage.TRUSTS_ANY_CERTIFICATE)) {
      ModelTls.trustAnything(builder);
    } else if (settings.caFile() != null) {
      ModelTls.trust(builder, settings.caFile());
    }
    this.client = builder.build();
  }

  void connect() {
    if (closing) {
      return;
    }
    Request request = new Request.Builder().url(settings.backendUrl().toString()).build();
    socket = client.newWebSocket(request, new Listener());
  }

  private final class Listener extends WebSocketListener {
    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      agent.post(() -> opened(webSocket));
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      agent.post(() -> {
        if (webSocket == socket) {
          agent.onMessage(text);
        }
      });
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      webSocket.close(1000, null);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      agent.post(() -> lost(webSocket));
      if (closing) {
        closed.countDown();
      }
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
      agent.post(() -> lost(webSocket));
      if (closing) {
        closed.countDown();
      }
    }
  }

  private void opened(WebSocket webSocket) {
    if (webSocket != socket || closing) {
      return;
    }
    open = true;
    failedAttempts = 0;
    sendIdentity("Handshake");
    if (agent.breaks(Breakage.SENDS_FRAME_WITHOUT_CODE)) {
      socket.send("{\"hello\":\"backend\"}");
    }
    if (ackSeen) {
      for (Entry entry : unacknowledged) {
        socket.send(entry.frame);
      }
    } else {
      unacknowledged.clear();
    }
    if (!agent.keepsQueuedLogsAcrossReconnect()) {
      queued.clear();
    }
    while (!queued.isEmpty()) {
      transmit(queued.poll());
    }
    Long waiting = agent.rounds().waitingVersion();
    if (waiting != null) {
      sendWaitQuery(waiting);
    }
  }

  private void lost(WebSocket webSocket) {
    if (webSocket != socket) {
      return;
    }
    socket = null;
    open = false;
    if (closing || agent.breaks(Breakage.NEVER_RECONNECTS)) {
      return;
    }
    failedAttempts++;
    long initial = settings.reconnectInitial().toNanos();
    long cap = settings.reconnectMax().toNanos();
    double nominal = Math.min(cap, initial * Math.pow(2, Math.min(failedAttempts - 1, 40)));
    long delay = agent.breaks(Breakage.RECONNECTS_WITHOUT_BACKOFF) ? 0
        : Math.round(nominal * ThreadLocalRandom.current().nextDouble());
    reconnect = agent.schedule(this::connect, Duration.ofNanos(delay));
  }

  void onAppNotReady() {
    if (agent.breaks(Breakage.IGNORES_APP_NOT_READY)) {
      return;
    }
    WebSocket current = socket;
    agent.schedule(() -> {
      if (socket == current && open) {
        sendIdentity("Handshake");
      }
    }, settings.notReadyRetryPause());
  }

  void onAck(long seq) {
    ackSeen = true;
    while (!unacknowledged.isEmpty() && unacknowledged.peekFirst().seq <= seq) {
      unacknowledged.pollFirst();
    }
  }

  /** Sends Handshake, or the Test reply: the identity fields under {@code code}. */
  void sendIdentity(String code) {
    if (!open) {
      return;
    }
    JsonObject message = new JsonObject();
    message.addProperty("code", code);
    if (!(code.equals("Handshake") && agent.breaks(Breakage.HANDSHAKE_WITHOUT_INSTANCE_ID))) {
      message.addProperty("instance_id", settings.instanceId());
    }
    message.addProperty("app_id", settings.appId());
    message.addProperty("agent_version", agent.agentVersion());
    message.addProperty("protocol_version", 1);
    message.addProperty("instance_token", settings.instanceToken());
    message.add("init_errors", null);
    socket.send(Wire.write(message));
    if (code.equals("Handshake")) {
      agent.handshakeSent();
    }
  }

  void sendWaitQuery(long recipeVersion) {
    if (!open) {
      return;
    }
    JsonObject message = new JsonObject();
    message.addProperty("code", "WaitQuery");
    message.addProperty("instance_id", settings.instanceId());
    message.addProperty("app_id", settings.appId());
    message.addProperty("recipe_version", recipeVersion);
    socket.send(Wire.write(message));
  }

  /** Adds a StateLog to the outbox; sent at once when connected. */
  void enqueue(ModelAgent.StateLogEntry log) {
    JsonObject message = new JsonObject();
    message.addProperty("code", "StateLog");
    message.addProperty("instance_id", settings.instanceId());
    message.addProperty("app_id", settings.appId());
    message.addProperty("recipe_version", log.recipeVersion);
    message.addProperty("id", log.id);
    message.addProperty("state_result", log.result);
    if (!agent.breaks(Breakage.STATELOG_WITHOUT_COMMENT)) {
      message.addProperty("state_comment", log.comment);
    }
    message.addProperty("state_stdout", log.stdout);
    long seq = nextSeq++;
    message.addProperty("seq", seq);
    Entry entry = new Entry(seq, Wire.write(message));
    if (open) {
      transmit(entry);
    } else {
      queued.add(entry);
    }
  }

  private void transmit(Entry entry) {
    socket.send(entry.frame);
    unacknowledged.add(entry);
    if (unacknowledged.size() > MAX_KEPT) {
      unacknowledged.pollFirst();
    }
  }

  /** True while a connection is open. */
  boolean isOpen() {
    return open;
  }

  /** Closes the current connection as a protocol error; the agent then reconnects. */
  void hangUp() {
    if (socket != null) {
      socket.close(1002, "malformed frame");
    }
  }

  /** Starts closing: no reconnect from now on. */
  void close() {
    closing = true;
    if (reconnect != null) {
      reconnect.cancel(false);
    }
    closingSocket = socket;
    if (socket == null) {
      closed.countDown();
    } else if (!socket.close(1000, "agent stopping")) {
      socket.cancel();
      closed.countDown();
    }
  }

  /** Waits for the close handshake to end, then gives up on it. */
  void awaitClosed(Duration timeout) throws InterruptedException {
    WebSocket closingNow = closingSocket;
    if (!closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && closingNow != null) {
      closingNow.cancel();
    }
  }

  /** Frees OkHttp's threads and connections. */
  void release() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
