package io.opsagent.backend.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;

/**
 * A minimal blocking RFC 6455 client for {@code ws://} URLs: the caller's thread writes a frame
 * and reads the answer itself, with no thread in between, so a round trip through it measures
 * the network and the server and nothing else. Text frames only; no extensions. Not
 * thread-safe. Internal to the kit.
 */
public final class WsClient implements AutoCloseable {

  private static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final Random masks = new Random();

  private WsClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects and completes the opening handshake. */
  public static WsClient connect(URI url, Duration timeout) throws IOException {
    if (!"ws".equals(url.getScheme())) {
      throw new IllegalArgumentException("only ws:// URLs are supported, was " + url);
    }
    int port = url.getPort() < 0 ? 80 : url.getPort();
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(url.getHost(), port), (int) timeout.toMillis());
      socket.setTcpNoDelay(true);
      socket.setSoTimeout((int) timeout.toMillis());
      WsClient client = new WsClient(socket);
      client.openingHandshake(url, port);
      return client;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private void openingHandshake(URI url, int port) throws IOException {
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    String request = "GET " + path + " HTTP/1.1\r\n"
        + "Host: " + url.getHost() + ":" + port + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + key + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0 || head.length() > 16 * 1024) {
        throw new IOException("the server closed the connection during the opening handshake");
      }
      head.append((char) b);
    }
    String status = head.substring(0, head.indexOf("\r\n"));
    if (!status.startsWith("HTTP/1.1 101")) {
      throw new IOException("upgrade refused: " + status);
    }
    if (!head.toString().contains(WsServer.acceptValue(key))) {
      throw new IOException("wrong Sec-WebSocket-Accept in: " + head.toString().trim());
    }
  }

  /** Sends one masked text frame. */
  public void sendText(String text) throws IOException {
    sendFrame(0x1, text.getBytes(StandardCharsets.UTF_8));
  }

  private void sendFrame(int opcode, byte[] payload) throws IOException {
    int length = payload.length;
    int headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
    byte[] frame = new byte[headerLength + 4 + length];
    frame[0] = (byte) (0x80 | opcode);
    if (length < 126) {
      frame[1] = (byte) (0x80 | length);
    } else if (length < 65536) {
      frame[1] = (byte) (0x80 | 126);
      frame[2] = (byte) (length >> 8);
      frame[3] = (byte) length;
    } else {
      frame[1] = (byte) (0x80 | 127);
      for (int i = 0; i < 8; i++) {
        frame[9 - i] = (byte) (((long) length) >> (8 * i));
      }
    }
    byte[] mask = new byte[4];
    masks.nextBytes(mask);
    System.arraycopy(mask, 0, frame, headerLength, 4);
    for (int i = 0; i < length; i++) {
      frame[headerLength + 4 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    out.write(frame);
    out.flush();
  }

  /**
   * Reads the next text message, answering pings on the way.
   *
   * @throws IOException when the server closed the connection or sent something else
   */
  public String readText() throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    while (true) {
      int b0 = read();
      int b1 = read();
      boolean fin = (b0 & 0x80) != 0;
      int opcode = b0 & 0x0F;
      long length = b1 & 0x7F;
      if (length == 126) {
        length = ((long) read() << 8) | read();
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | read();
        }
      }
      if ((b1 & 0x80) != 0 || length > MAX_MESSAGE_BYTES) {
        throw new IOException("invalid frame from the server");
      }
      byte[] payload = in.readNBytes((int) length);
      if (payload.length < length) {
        throw new IOException("the server closed the connection inside a frame");
      }
      if (opcode == 0x8) {
        throw new IOException("the server closed the connection");
      } else if (opcode == 0x9) {
        sendFrame(0xA, payload);
      } else if (opcode == 0x1 || opcode == 0x0) {
        message.write(payload);
        if (fin) {
          return message.toString(StandardCharsets.UTF_8);
        }
      } else if (opcode != 0xA) {
        throw new IOException("unexpected opcode " + opcode + " from the server");
      }
    }
  }

  private int read() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new IOException("the server closed the connection");
    }
    return b;
  }

  /** Sends a close frame (1000), waits briefly for the server's, and closes the socket. */
  @Override
  public void close() {
    try {
      sendFrame(0x8, new byte[] {0x03, (byte) 0xE8});
      socket.setSoTimeout(1_000);
      while (true) {
        int b0 = in.read();
        if (b0 < 0 || (b0 & 0x0F) == 0x8) {
          break;
        }
        int b1 = in.read();
        if (b1 < 0) {
          break;
        }
        long skip = b1 & 0x7F;
        if (skip == 126) {
          skip = ((long) in.read() << 8) | in.read();
        }
        in.skipNBytes(skip);
      }
    } catch (IOException ignored) {
      // closing anyway
    } finally {
      WsServer.closeQuietly(socket);
    }
  }
}
