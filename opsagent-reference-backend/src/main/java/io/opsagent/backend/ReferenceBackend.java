package io.opsagent.backend;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.opsagent.backend.internal.Json;
import io.opsagent.backend.internal.WsConnection;
import io.opsagent.backend.internal.WsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The backend side of the OpsAgent protocol on a loopback WebSocket, scriptable from Java.
 *
 * <p>It records every frame with {@link System#nanoTime()} timestamps, answers as the real
 * backend does when told to (a recipe after every {@code Handshake}, {@code AppNotReady} for the
 * first handshakes, {@code StateLogAck} for every {@code StateLog}), and lets a test push any
 * message, including garbage, and drop the connection gracefully or abruptly. It can be stopped
 * and started again on the same port; records survive restarts.
 *
 * <p>Scripting methods send to the newest open connection and throw {@link
 * IllegalStateException} when no agent is connected. All methods are thread-safe. The
 * {@code await...} methods block until the condition holds and throw {@link
 * BackendTimeoutException} (naming what was seen) when it does not hold in time.
 *
 * <pre>{@code
 * try (ReferenceBackend backend = ReferenceBackend.builder().build().start()) {
 *   agent.connectTo(backend.url());
 *   backend.awaitHandshake(1, Duration.ofSeconds(5));
 *   backend.pushRecipe(Recipe.version(1).cmd("hello", "true").build());
 *   StateLog log = backend.awaitStateLogs(1, Duration.ofSeconds(5)).get(0);
 * }
 * }</pre>
 */
public final class ReferenceBackend implements AutoCloseable {

  /** The path in {@link #url()}; the backend accepts upgrade requests on any path. */
  public static final String PATH = "/agent/";

  private final Object lock = new Object();
  private final InetAddress address;
  private SSLContext tls;
  private final List<String> tlsFailures = new ArrayList<>();
  private final List<BackendListener> listeners;
  private final AtomicInteger attemptNumbers = new AtomicInteger();
  private final AtomicInteger connectionNumbers = new AtomicInteger();

  // guarded by lock
  private int port;
  private WsServer server;
  private final List<WsConnection> live = new ArrayList<>();
  private final List<ConnectionRecord> connections = new ArrayList<>();
  private final List<ConnectionAttempt> attempts = new ArrayList<>();
  private final List<Frame> transcript = new ArrayList<>();
  private final List<ReceivedMessage> received = new ArrayList<>();
  private final Set<Long> seenSeqs = new HashSet<>();
  private boolean autoAck;
  private Recipe recipeOnHandshake;
  private int appNotReadyReplies;
  private boolean refuseConnections;

  private ReferenceBackend(Builder builder) {
    this.address = builder.address;
    this.port = builder.port;
    this.listeners = new CopyOnWriteArrayList<>(builder.listeners);
    this.autoAck = builder.autoAck;
    this.recipeOnHandshake = builder.recipeOnHandshake;
    this.appNotReadyReplies = builder.appNotReadyReplies;
    this.tls = builder.tls;
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts listening: on the builder's port the first time (0 = any free port), on the same port
   * after a {@link #stop()}.
   */
  public ReferenceBackend start() throws IOException {
    synchronized (lock) {
      if (server != null) {
        throw new IllegalStateException("already running on port " + port);
      }
      WsServer created = new WsServer(address, new Handler(), attemptNumbers, connectionNumbers);
      created.tls(tls);
      created.start(port);
      port = created.port();
      server = created;
    }
    event(0, "listening on " + url());
    return this;
  }

  /**
   * Stops listening and resets every open connection (the agent sees a broken connection). Keeps
   * the records; {@link #start()} listens again on the same port. Does nothing when stopped.
   */
  public void stop() {
    WsServer stopping;
    synchronized (lock) {
      stopping = server;
      server = null;
    }
    if (stopping != null) {
      stopping.close();
      event(0, "stopped");
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  public boolean isRunning() {
    synchronized (lock) {
      return server != null;
    }
  }

  /** The port; fixed once the backend has started. */
  public int port() {
    synchronized (lock) {
      if (port == 0) {
        throw new IllegalStateException("not started yet");
      }
      return port;
    }
  }

  /** The URL agents connect to, for example {@code ws://127.0.0.1:41234/agent/}. */
  public URI url() {
    String host = address.getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    String scheme;
    synchronized (lock) {
      scheme = tls == null ? "ws://" : "wss://";
    }
    return URI.create(scheme + host + ":" + port() + PATH);
  }

  /**
   * Serves {@code wss://} with this context (its key and certificate) from the next
   * {@link #start()} on, or plain {@code ws://} when null. Stop and start to switch.
   */
  public void setTls(SSLContext context) {
    synchronized (lock) {
      tls = context;
    }
  }

  /** Every failed TLS handshake so far (the agent refused the certificate, for example). */
  public List<String> tlsFailures() {
    synchronized (lock) {
      return List.copyOf(tlsFailures);
    }
  }

  /** Waits until {@code count} TLS handshakes have failed in all. */
  public List<String> awaitTlsFailures(int count, Duration timeout) {
    return await(count + " failed TLS handshake(s)", () -> {
      List<String> all = tlsFailures();
      return all.size() >= count ? all : null;
    }, timeout);
  }

  public void addListener(BackendListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  // ---------------------------------------------------------------- behaviour switches

  /** When on, every StateLog carrying {@code seq} is answered with {@code StateLogAck}. */
  public void setAutoAck(boolean on) {
    synchronized (lock) {
      autoAck = on;
    }
  }

  /** The recipe pushed after every Handshake (as the real backend does), or null for none. */
  public void setRecipeOnHandshake(Recipe recipe) {
    synchronized (lock) {
      recipeOnHandshake = recipe;
    }
  }

  /** Answers the next {@code count} Handshakes with {@code AppNotReady} (and nothing else). */
  public void setAppNotReadyReplies(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, was " + count);
    }
    synchronized (lock) {
      appNotReadyReplies = count;
    }
  }

  /**
   * When on, upgrade requests are refused with HTTP 503 (recorded as refused {@link
   * ConnectionAttempt}s); open connections are left alone.
   */
  public void setRefuseConnections(boolean on) {
    synchronized (lock) {
      refuseConnections = on;
    }
  }

  // ---------------------------------------------------------------- scripting

  /** Sends {@code RecipeMetadata}. */
  public void pushRecipe(Recipe recipe) {
    send(recipe.toJson());
  }

  /** Sends {@code State}: the DONE of wait state {@code stateId} of {@code recipeVersion}. */
  public void releaseWait(long recipeVersion, String stateId) {
    send(releaseFrame(recipeVersion, stateId));
  }

  /** The text of {@code State} that {@link #releaseWait} sends, to send it with {@link #sendText}. */
  public static String releaseFrame(long recipeVersion, String stateId) {
    JsonObject message = message(MessageCodes.STATE);
    message.addProperty("recipe_version", recipeVersion);
    message.addProperty("id", stateId);
    return Json.write(message);
  }

  /** Sends {@code WaitList}: the released wait states of {@code recipeVersion}. */
  public void sendWaitList(long recipeVersion, Collection<String> waited) {
    JsonObject message = message(MessageCodes.WAIT_LIST);
    message.addProperty("recipe_version", recipeVersion);
    JsonArray ids = new JsonArray();
    waited.forEach(ids::add);
    message.add("waited", ids);
    send(Json.write(message));
  }

  /** Sends {@code AgentUpdate}. */
  public void orderUpgrade(String version, String url) {
    JsonObject message = message(MessageCodes.AGENT_UPDATE);
    message.addProperty("version", version);
    message.addProperty("url", url);
    send(Json.write(message));
  }

  /** Sends {@code AppNotReady}. */
  public void sendAppNotReady() {
    send(Json.write(message(MessageCodes.APP_NOT_READY)));
  }

  /** Sends {@code Test}; an agent answers with its identity under the same code. */
  public void sendTest() {
    send(Json.write(message(MessageCodes.TEST)));
  }

  /** Sends {@code TestAns}. */
  public void sendTestAnswer(boolean result, String error) {
    JsonObject message = message(MessageCodes.TEST_ANSWER);
    message.addProperty("result", result);
    message.addProperty("error", error);
    send(Json.write(message));
  }

  /** Sends {@code StateLogAck}: every StateLog up to and including {@code seq} is stored. */
  public void acknowledge(long seq) {
    JsonObject message = message(MessageCodes.STATE_LOG_ACK);
    message.addProperty("seq", seq);
    send(Json.write(message));
  }

  /** Sends one text frame exactly as given: any message, or garbage. */
  public void sendText(String text) {
    send(text);
  }

  /** Sends one binary frame (the protocol has none; agents must drop it). */
  public void sendBinary(byte[] payload) {
    WsConnection connection = current();
    record(Frame.Kind.SENT, connection.id(), "<binary " + payload.length + " bytes>");
    connection.sendBinary(payload);
  }

  /** Closes the newest connection with a close handshake. */
  public void closeConnection(int code, String reason) {
    WsConnection connection = current();
    record(Frame.Kind.EVENT, connection.id(), "closing with " + code + " " + reason);
    connection.close(code, reason);
  }

  /** Resets the newest connection at once, without a close frame (as a crashed peer would). */
  public void cancelConnection() {
    WsConnection connection = current();
    record(Frame.Kind.EVENT, connection.id(), "resetting the connection");
    connection.abort();
  }

  /**
   * Makes the newest connection a dead peer: the backend stops reading it, so pings go
   * unanswered, and neither closes nor resets it (a half-open connection, as after a peer's
   * crash behind a NAT). It stays so until the backend stops.
   */
  public void stallConnection() {
    WsConnection connection = current();
    record(Frame.Kind.EVENT, connection.id(), "stalling: no more reading, no pong, no close");
    connection.stall();
  }

  // ---------------------------------------------------------------- records

  /** Every frame sent and received and every connection event, in order. */
  public List<Frame> transcript() {
    synchronized (lock) {
      return List.copyOf(transcript);
    }
  }

  /** Every frame received, well-formed or not, duplicates included, in arrival order. */
  public List<ReceivedMessage> received() {
    synchronized (lock) {
      return List.copyOf(received);
    }
  }

  /** The well-formed messages with the given code, duplicates included, in arrival order. */
  public List<ReceivedMessage> received(String code) {
    List<ReceivedMessage> matching = new ArrayList<>();
    for (ReceivedMessage message : received()) {
      if (code.equals(message.code())) {
        matching.add(message);
      }
    }
    return matching;
  }

  /** The Handshakes received, in order. */
  public List<ReceivedMessage> handshakes() {
    return received(MessageCodes.HANDSHAKE);
  }

  /** StateLogs in arrival order, without resends of a {@code seq} already received. */
  public List<StateLog> stateLogs() {
    List<StateLog> logs = new ArrayList<>();
    for (ReceivedMessage message : received()) {
      if (MessageCodes.STATE_LOG.equals(message.code()) && !message.isDuplicate()) {
        logs.add(message.asStateLog());
      }
    }
    return logs;
  }

  /** Accepted connections, in order. */
  public List<ConnectionRecord> connections() {
    synchronized (lock) {
      return List.copyOf(connections);
    }
  }

  /** Every upgrade request, accepted or refused, in order. */
  public List<ConnectionAttempt> connectionAttempts() {
    synchronized (lock) {
      return List.copyOf(attempts);
    }
  }

  // ---------------------------------------------------------------- awaiting

  /**
   * Waits until {@code probe} returns non-null, re-evaluating it whenever the backend records
   * something, and returns that value.
   *
   * @throws BackendTimeoutException naming {@code description} and the recent transcript
   */
  public <T> T await(String description, Supplier<T> probe, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (true) {
        T value = probe.get();
        if (value != null) {
          return value;
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new BackendTimeoutException(
              "timed out after " + timeout.toMillis() + " ms waiting for " + description
                  + "\n" + describeRecent(20));
        }
        try {
          lock.wait(Math.max(1, remaining / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BackendTimeoutException("interrupted while waiting for " + description);
        }
      }
    }
  }

  /** Waits for at least {@code count} StateLogs (duplicates not counted); returns all of them. */
  public List<StateLog> awaitStateLogs(int count, Duration timeout) {
    return await(
        count + " StateLog(s)",
        () -> {
          List<StateLog> logs = stateLogs();
          return logs.size() >= count ? logs : null;
        },
        timeout);
  }

  /** Waits for the first StateLog (duplicates not counted) that matches. */
  public StateLog awaitStateLog(String description, Predicate<StateLog> matcher, Duration timeout) {
    return await(
        "a StateLog " + description,
        () -> stateLogs().stream().filter(matcher).findFirst().orElse(null),
        timeout);
  }

  /** Waits for the {@code n}-th Handshake (counting from 1) and returns it. */
  public ReceivedMessage awaitHandshake(int n, Duration timeout) {
    return await(
        "Handshake number " + n,
        () -> {
          List<ReceivedMessage> handshakes = handshakes();
          return handshakes.size() >= n ? handshakes.get(n - 1) : null;
        },
        timeout);
  }

  /** Waits for the first received message that matches, well-formed or not. */
  public ReceivedMessage awaitMessage(
      String description, Predicate<ReceivedMessage> matcher, Duration timeout) {
    return await(
        description, () -> received().stream().filter(matcher).findFirst().orElse(null), timeout);
  }

  /** Waits until {@code count} upgrade requests (accepted or refused) have come in. */
  public List<ConnectionAttempt> awaitConnectionAttempts(int count, Duration timeout) {
    return await(
        count + " connection attempt(s)",
        () -> {
          List<ConnectionAttempt> all = connectionAttempts();
          return all.size() >= count ? all : null;
        },
        timeout);
  }

  /** The last {@code n} transcript entries, one per line. */
  public String describeRecent(int n) {
    List<Frame> frames = transcript();
    StringBuilder text = new StringBuilder("backend transcript (last ")
        .append(Math.min(n, frames.size())).append(" of ").append(frames.size()).append("):");
    for (Frame frame : frames.subList(Math.max(0, frames.size() - n), frames.size())) {
      text.append("\n  ").append(frame);
    }
    return text.toString();
  }

  // ---------------------------------------------------------------- internals

  private static JsonObject message(String code) {
    JsonObject message = new JsonObject();
    message.addProperty("code", code);
    return message;
  }

  private WsConnection current() {
    synchronized (lock) {
      if (live.isEmpty()) {
        throw new IllegalStateException("no agent is connected to " + url());
      }
      return live.get(live.size() - 1);
    }
  }

  private void send(String text) {
    send(current(), text);
  }

  private void send(WsConnection connection, String text) {
    record(Frame.Kind.SENT, connection.id(), text);
    connection.sendText(text);
  }

  private void event(int connection, String text) {
    record(Frame.Kind.EVENT, connection, text);
  }

  private void record(Frame.Kind kind, int connection, String text) {
    Frame frame = new Frame(kind, connection, System.nanoTime(), Instant.now(), text);
    synchronized (lock) {
      transcript.add(frame);
      lock.notifyAll();
    }
    for (BackendListener listener : listeners) {
      listener.onFrame(frame);
    }
  }

  private void onText(WsConnection connection, String text) {
    long at = System.nanoTime();
    Instant wall = Instant.now();
    JsonObject json = null;
    String code = null;
    String problem = null;
    try {
      JsonElement element = Json.parseStrict(text);
      if (!element.isJsonObject()) {
        problem = "not a JSON object";
      } else {
        json = element.getAsJsonObject();
        code = Json.string(json, "code");
        if (code == null) {
          problem = "no string \"code\"";
          json = null;
        }
      }
    } catch (JsonParseException e) {
      problem = "not JSON: " + e.getMessage();
    }
    record(Frame.Kind.RECEIVED, connection.id(), text);

    boolean duplicate = false;
    List<String> replies = new ArrayList<>();
    synchronized (lock) {
      if (MessageCodes.HANDSHAKE.equals(code)) {
        if (appNotReadyReplies > 0) {
          appNotReadyReplies--;
          replies.add(Json.write(message(MessageCodes.APP_NOT_READY)));
        } else if (recipeOnHandshake != null) {
          replies.add(recipeOnHandshake.toJson());
        }
      } else if (MessageCodes.STATE_LOG.equals(code)) {
        Long seq = Json.integer(json, "seq");
        if (seq != null) {
          duplicate = !seenSeqs.add(seq);
          if (autoAck) {
            JsonObject ack = message(MessageCodes.STATE_LOG_ACK);
            ack.addProperty("seq", seq);
            replies.add(Json.write(ack));
          }
        }
      }
    }
    // Replies go out before the message becomes visible, so a waiter that sees a StateLog
    // knows its acknowledgement is already on the wire.
    for (String reply : replies) {
      send(connection, reply);
    }
    ReceivedMessage message =
        new ReceivedMessage(connection.id(), at, wall, text, json, code, problem, duplicate);
    synchronized (lock) {
      received.add(message);
      lock.notifyAll();
    }
  }

  private void onBinary(WsConnection connection, byte[] data) {
    long at = System.nanoTime();
    String text = "<binary " + data.length + " bytes>";
    record(Frame.Kind.RECEIVED, connection.id(), text);
    ReceivedMessage message =
        new ReceivedMessage(
            connection.id(), at, Instant.now(), text, null, null, "binary frame", false);
    synchronized (lock) {
      received.add(message);
      lock.notifyAll();
    }
  }

  private final class Handler implements WsServer.Handler {
    @Override
    public void onTlsFailure(String reason) {
      synchronized (lock) {
        tlsFailures.add(reason);
        lock.notifyAll();
      }
      event(0, "TLS handshake failed: " + reason);
    }

    @Override
    public int onUpgradeRequest(int attempt, String path, Map<String, String> headers) {
      boolean refuse;
      synchronized (lock) {
        refuse = refuseConnections;
        attempts.add(new ConnectionAttempt(attempt, System.nanoTime(), path, !refuse));
        lock.notifyAll();
      }
      if (refuse) {
        event(0, "refused upgrade request " + attempt + " with HTTP 503");
        return 503;
      }
      return 0;
    }

    @Override
    public void onOpen(WsConnection connection) {
      synchronized (lock) {
        live.add(connection);
        connections.add(new ConnectionRecord(connection.id(), connection.path(), System.nanoTime()));
        lock.notifyAll();
      }
      event(connection.id(), "connection opened on " + connection.path());
    }

    @Override
    public void onText(WsConnection connection, String text) {
      ReferenceBackend.this.onText(connection, text);
    }

    @Override
    public void onBinary(WsConnection connection, byte[] data) {
      ReferenceBackend.this.onBinary(connection, data);
    }

    @Override
    public void onClosed(WsConnection connection, int code, String reason, boolean abrupt) {
      synchronized (lock) {
        live.remove(connection);
        for (int i = 0; i < connections.size(); i++) {
          ConnectionRecord record = connections.get(i);
          if (record.id() == connection.id() && record.isOpen()) {
            connections.set(i, record.closed(System.nanoTime(), code, reason, abrupt));
          }
        }
        lock.notifyAll();
      }
      event(
          connection.id(),
          "connection closed: " + code + (reason.isEmpty() ? "" : " " + reason)
              + (abrupt ? " (no close handshake)" : ""));
    }
  }

  /** Settings fixed before start. */
  public static final class Builder {
    private InetAddress address;
    private int port;
    private boolean autoAck;
    private Recipe recipeOnHandshake;
    private int appNotReadyReplies;
    private final List<BackendListener> listeners = new ArrayList<>();
    private SSLContext tls;

    private Builder() {
      try {
        address = InetAddress.getByName("127.0.0.1");
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * The loopback address to bind (default 127.0.0.1). The backend has no authentication, so
     * other addresses are refused.
     */
    public Builder host(InetAddress host) {
      if (!host.isLoopbackAddress()) {
        throw new IllegalArgumentException(
            "the reference backend binds loopback addresses only, not " + host.getHostAddress());
      }
      this.address = host;
      return this;
    }

    /** The port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535], was " + port);
      }
      this.port = port;
      return this;
    }

    /** See {@link ReferenceBackend#setAutoAck(boolean)}; off by default, as the original backend. */
    public Builder autoAck(boolean on) {
      this.autoAck = on;
      return this;
    }

    /** See {@link ReferenceBackend#setRecipeOnHandshake(Recipe)}. */
    public Builder recipeOnHandshake(Recipe recipe) {
      this.recipeOnHandshake = recipe;
      return this;
    }

    /** See {@link ReferenceBackend#setAppNotReadyReplies(int)}. */
    public Builder appNotReadyReplies(int count) {
      if (count < 0) {
        throw new IllegalArgumentException("count must be >= 0, was " + count);
      }
      this.appNotReadyReplies = count;
      return this;
    }

    /** See {@link ReferenceBackend#setTls(SSLContext)}; plain {@code ws://} by default. */
    public Builder tls(SSLContext context) {
      this.tls = context;
      return this;
    }

    public Builder listener(BackendListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Builds a backend that is not listening yet; call {@link ReferenceBackend#start()}. */
    public ReferenceBackend build() {
      return new ReferenceBackend(this);
    }
  }
}
