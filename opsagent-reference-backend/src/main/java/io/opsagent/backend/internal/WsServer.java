package io.opsagent.backend.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small RFC 6455 WebSocket server: one accept thread, one reader thread per connection.
 *
 * <p>The reference backend needs exact control of the wire (abrupt resets, refused upgrades,
 * invalid frames, TLS connections that end before a request, and a stalled connection that
 * neither reads, answers pings nor closes), so it carries its own server instead of OkHttp's
 * MockWebServer, which backs the library's own tests. MockWebServer hands an upgraded connection
 * to OkHttp's WebSocket, whose reader answers every ping itself, so it cannot play the dead peer
 * of R1.9; {@code WsServerNeededTest} pins that, {@code ReferenceBackendTest} the stall here. No
 * extension is negotiated, so frames are never compressed. Internal to the backend.
 */
public final class WsServer implements AutoCloseable {

  /** What the server reports to its owner. Called on the connection's reader thread. */
  public interface Handler {
    /**
     * Decides whether an upgrade request is accepted.
     *
     * @return 0 to accept, or the HTTP status to refuse with (for example 503)
     */
    int onUpgradeRequest(int attempt, String path, Map<String, String> headers);

    void onOpen(WsConnection connection);

    void onText(WsConnection connection, String text);

    void onBinary(WsConnection connection, byte[] data);

    /**
     * The connection ended.
     *
     * @param code the close code the peer sent, 1005 if it sent none, 1006 if it sent no close frame
     * @param abrupt true when the connection ended without a close handshake
     */
    void onClosed(WsConnection connection, int code, String reason, boolean abrupt);

    /**
     * A TLS connection ended before any request: its handshake failed (the peer refused the
     * certificate, for example) or the peer hung up right after it.
     */
    default void onTlsFailure(String reason) {}
  }

  private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private final InetAddress address;
  private final Handler handler;
  private final AtomicInteger attempts;
  private final AtomicInteger connectionIds;
  private final List<WsConnection> open = new ArrayList<>();
  private ServerSocket serverSocket;
  private Thread acceptThread;
  private SSLContext tls;

  /**
   * Creates a server; the two counters number upgrade attempts and accepted connections and
   * are shared across restarts so numbers stay unique for the owner's life.
   */
  public WsServer(
      InetAddress address, Handler handler, AtomicInteger attempts, AtomicInteger connectionIds) {
    this.address = Objects.requireNonNull(address, "address");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.attempts = attempts;
    this.connectionIds = connectionIds;
  }

  /** Serves TLS with this context from the next {@link #start(int)} on; null for plain TCP. */
  public synchronized void tls(SSLContext context) {
    this.tls = context;
  }

  /** Binds and starts accepting; port 0 picks a free port. */
  public synchronized void start(int port) throws IOException {
    if (serverSocket != null) {
      throw new IllegalStateException("already started on port " + serverSocket.getLocalPort());
    }
    ServerSocket socket =
        tls == null ? new ServerSocket() : tls.getServerSocketFactory().createServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(address, port), 50);
    serverSocket = socket;
    acceptThread = new Thread(() -> acceptLoop(socket), "tck-backend-accept-" + socket.getLocalPort());
    acceptThread.setDaemon(true);
    acceptThread.start();
  }

  public synchronized int port() {
    if (serverSocket == null) {
      throw new IllegalStateException("not started");
    }
    return serverSocket.getLocalPort();
  }

  /** Stops accepting and resets every open connection; returns once the threads have ended. */
  @Override
  public void close() {
    ServerSocket socket;
    Thread accept;
    List<WsConnection> connections;
    synchronized (this) {
      socket = serverSocket;
      accept = acceptThread;
      serverSocket = null;
      acceptThread = null;
      connections = new ArrayList<>(open);
    }
    if (socket == null) {
      return;
    }
    closeQuietly(socket);
    for (WsConnection connection : connections) {
      connection.abort();
    }
    join(accept);
    for (WsConnection connection : connections) {
      join(connection.reader);
    }
  }

  private static void join(Thread thread) {
    if (thread == null || thread == Thread.currentThread()) {
      return;
    }
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop(ServerSocket socket) {
    while (!socket.isClosed()) {
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread reader = new Thread(() -> serve(client), "tck-backend-conn");
      reader.setDaemon(true);
      reader.start();
    }
  }

  private void serve(Socket socket) {
    WsConnection connection = null;
    try {
      socket.setTcpNoDelay(true);
      if (socket instanceof SSLSocket) {
        try {
          ((SSLSocket) socket).startHandshake();
        } catch (IOException e) {
          handler.onTlsFailure(String.valueOf(e.getMessage()));
          closeQuietly(socket);
          return;
        }
      }
      InputStream in = new BufferedInputStream(socket.getInputStream());
      List<String> head = readHttpHead(in);
      if (head.isEmpty()) {
        if (socket instanceof SSLSocket) {
          // A client that checks the host name after the handshake hangs up here.
          handler.onTlsFailure("the peer closed the connection after the TLS handshake, before"
              + " any request");
        }
        closeQuietly(socket);
        return;
      }
      String[] requestLine = head.get(0).split(" ");
      Map<String, String> headers = parseHeaders(head);
      String key = headers.get("sec-websocket-key");
      boolean upgrade =
          requestLine.length == 3
              && requestLine[0].equals("GET")
              && "websocket".equalsIgnoreCase(headers.getOrDefault("upgrade", ""))
              && headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("upgrade")
              && key != null;
      if (!upgrade) {
        writeStatus(socket, 400, "Bad Request");
        return;
      }
      int refusal = handler.onUpgradeRequest(attempts.incrementAndGet(), requestLine[1], headers);
      if (refusal != 0) {
        writeStatus(socket, refusal, "Refused");
        return;
      }
      String response =
          "HTTP/1.1 101 Switching Protocols\r\n"
              + "Upgrade: websocket\r\n"
              + "Connection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: "
              + acceptValue(key)
              + "\r\n\r\n";
      socket.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      connection = new WsConnection(connectionIds.incrementAndGet(), socket, requestLine[1]);
      connection.reader = Thread.currentThread();
      synchronized (this) {
        if (serverSocket == null) {
          closeQuietly(socket);
          return;
        }
        open.add(connection);
      }
      Thread.currentThread().setName("tck-backend-conn-" + connection.id());
      handler.onOpen(connection);
      readFrames(connection, in);
    } catch (IOException | RuntimeException e) {
      // the connection ended without a close handshake; reported below
    } finally {
      closeQuietly(socket);
      if (connection != null) {
        synchronized (this) {
          open.remove(connection);
        }
        connection.markEnded();
        handler.onClosed(connection, connection.endCode(), connection.endReason(), connection.endedAbruptly());
      }
    }
  }

  private void readFrames(WsConnection connection, InputStream in) throws IOException {
    ByteArrayOutputStream message = null;
    int messageOpcode = 0;
    while (true) {
      int b0 = in.read();
      int b1 = in.read();
      if (b0 < 0 || b1 < 0) {
        return; // EOF without a close frame: abrupt
      }
      boolean fin = (b0 & 0x80) != 0;
      int rsv = b0 & 0x70;
      int opcode = b0 & 0x0F;
      boolean masked = (b1 & 0x80) != 0;
      long length = b1 & 0x7F;
      if (length == 126) {
        length = ((long) readByte(in) << 8) | readByte(in);
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | readByte(in);
        }
      }
      if (rsv != 0 || !masked || length > MAX_MESSAGE_BYTES) {
        connection.close(1002, "protocol error");
        return;
      }
      byte[] mask = in.readNBytes(4);
      byte[] payload = in.readNBytes((int) length);
      if (mask.length < 4 || payload.length < length) {
        return;
      }
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i % 4];
      }
      if (connection.isStalled()) {
        connection.awaitAbort(); // a dead peer: this frame and every later one go unread
        return;
      }
      if (opcode >= 0x8) {
        if (opcode == 0x8) {
          int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
          String reason =
              payload.length > 2
                  ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
                  : "";
          connection.peerClosed(code, reason);
          return;
        } else if (opcode == 0x9) {
          connection.sendFrame(0xA, payload);
        }
        continue; // pong or unknown control frame
      }
      if (opcode == 0x1 || opcode == 0x2) {
        message = new ByteArrayOutputStream();
        messageOpcode = opcode;
      } else if (opcode != 0x0 || message == null) {
        connection.close(1002, "unexpected opcode " + opcode);
        return;
      }
      message.write(payload);
      if (message.size() > MAX_MESSAGE_BYTES) {
        connection.close(1009, "message too big");
        return;
      }
      if (fin) {
        byte[] data = message.toByteArray();
        message = null;
        if (messageOpcode == 0x1) {
          handler.onText(connection, new String(data, StandardCharsets.UTF_8));
        } else {
          handler.onBinary(connection, data);
        }
      }
    }
  }

  private static int readByte(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new SocketException("end of stream inside a frame header");
    }
    return b;
  }

  private static List<String> readHttpHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    int total = 0;
    int previous = -1;
    while (true) {
      int b = in.read();
      if (b < 0 || ++total > MAX_HEADER_BYTES) {
        return List.of();
      }
      if (b == '\n' && previous == '\r') {
        line.setLength(line.length() - 1);
        if (line.length() == 0) {
          return lines;
        }
        lines.add(line.toString());
        line.setLength(0);
      } else {
        line.append((char) b);
      }
      previous = b;
    }
  }

  private static Map<String, String> parseHeaders(List<String> head) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line : head.subList(1, head.size())) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return headers;
  }

  private static void writeStatus(Socket socket, int status, String text) throws IOException {
    String response =
        "HTTP/1.1 " + status + " " + text + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    socket.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    socket.shutdownOutput();
  }

  static String acceptValue(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      byte[] digest = sha1.digest((key.trim() + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every Java platform", e);
    }
  }

  static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // nothing left to do
    }
  }
}
