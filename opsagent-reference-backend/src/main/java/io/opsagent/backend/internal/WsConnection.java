package io.opsagent.backend.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** One accepted WebSocket connection of {@link WsServer}. Thread-safe. Internal to the kit. */
public final class WsConnection {

  /** How long a close handshake the server started may take before the socket is reset. */
  private static final long CLOSE_GRACE_MILLIS = 2_000;

  private static final ScheduledExecutorService CLOSE_TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tck-backend-close-timer");
            t.setDaemon(true);
            return t;
          });

  private final int id;
  private final Socket socket;
  private final String path;
  volatile Thread reader;
  private volatile boolean stalled;
  private final CountDownLatch aborted = new CountDownLatch(1);

  private boolean closeSent;
  private boolean ended;
  private int endCode = 1006;
  private String endReason = "";
  private boolean abrupt = true;

  WsConnection(int id, Socket socket, String path) {
    this.id = id;
    this.socket = socket;
    this.path = path;
  }

  /** Number of this connection, counted from 1 over the server owner's life. */
  public int id() {
    return id;
  }

  /** The request path of the upgrade request. */
  public String path() {
    return path;
  }

  /** Sends a text frame; false if the connection is closing or gone. */
  public boolean sendText(String text) {
    return sendFrame(0x1, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends a text frame whose payload is the given bytes (which need not be valid UTF-8). */
  public boolean sendTextBytes(byte[] payload) {
    return sendFrame(0x1, payload);
  }

  /** Sends a binary frame. */
  public boolean sendBinary(byte[] payload) {
    return sendFrame(0x2, payload);
  }

  /** Sends a ping frame. */
  public boolean sendPing(byte[] payload) {
    return sendFrame(0x9, payload);
  }

  /**
   * Starts the close handshake; the socket is reset if the peer does not answer in time.
   *
   * @param reason at most 123 bytes of UTF-8
   */
  public void close(int code, String reason) {
    byte[] text = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
    byte[] payload = new byte[2 + Math.min(text.length, 123)];
    payload[0] = (byte) (code >> 8);
    payload[1] = (byte) code;
    System.arraycopy(text, 0, payload, 2, payload.length - 2);
    if (sendFrame(0x8, payload)) {
      CLOSE_TIMER.schedule(this::abort, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Plays a dead peer: from the next frame on nothing more is read (pings go unanswered) and
   * nothing is closed, until {@link #abort()} (the server's {@code close()} aborts every open
   * connection). The peer sees a half-open connection.
   */
  public void stall() {
    stalled = true;
  }

  boolean isStalled() {
    return stalled;
  }

  /** Blocks the reader of a stalled connection until the connection is aborted. */
  void awaitAbort() {
    try {
      aborted.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Resets the TCP connection at once: no close frame, the peer sees a broken connection. */
  public void abort() {
    aborted.countDown();
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // already closed
    }
    WsServer.closeQuietly(socket);
  }

  boolean sendFrame(int opcode, byte[] payload) {
    synchronized (this) {
      if (closeSent || ended) {
        return false;
      }
      if (opcode == 0x8) {
        closeSent = true;
      }
      try {
        OutputStream out = socket.getOutputStream();
        int length = payload.length;
        byte[] header;
        if (length < 126) {
          header = new byte[] {(byte) (0x80 | opcode), (byte) length};
        } else if (length < 65536) {
          header = new byte[] {(byte) (0x80 | opcode), 126, (byte) (length >> 8), (byte) length};
        } else {
          header = new byte[10];
          header[0] = (byte) (0x80 | opcode);
          header[1] = 127;
          for (int i = 0; i < 8; i++) {
            header[9 - i] = (byte) (((long) length) >> (8 * i));
          }
        }
        byte[] frame = new byte[header.length + length];
        System.arraycopy(header, 0, frame, 0, header.length);
        System.arraycopy(payload, 0, frame, header.length, length);
        out.write(frame);
        out.flush();
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }

  /** The peer sent a close frame: answer it (unless we started) and end the connection. */
  void peerClosed(int code, String reason) {
    boolean answer;
    synchronized (this) {
      endCode = code;
      endReason = reason;
      abrupt = false;
      answer = !closeSent;
    }
    if (answer) {
      byte[] payload =
          code == 1005 ? new byte[0] : new byte[] {(byte) (code >> 8), (byte) code};
      sendFrame(0x8, payload);
    }
    markEnded();
    WsServer.closeQuietly(socket);
  }

  synchronized void markEnded() {
    ended = true;
  }

  synchronized int endCode() {
    return endCode;
  }

  synchronized String endReason() {
    return endReason;
  }

  synchronized boolean endedAbruptly() {
    return abrupt;
  }

  @Override
  public String toString() {
    return "connection " + id;
  }
}
