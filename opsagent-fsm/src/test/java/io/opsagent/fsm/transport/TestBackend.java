package io.opsagent.fsm.transport;

import io.opsagent.fsm.protocol.AgentMessage;
import io.opsagent.fsm.protocol.BackendMessage;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.protocol.StateLogAck;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * A small backend for the library's own transport tests: a real WebSocket server on loopback
 * that records every frame, can ack StateLogs, push a recipe after each Handshake, and be
 * stopped and started again on the same port.
 */
public final class TestBackend implements AutoCloseable {

    private final ProtocolCodec codec = new ProtocolCodec();
    private final List<AgentMessage> received = new ArrayList<>();
    private final List<String> rawReceived = new ArrayList<>();
    private MockWebServer server;
    private WebSocket socket;
    private int port;
    private volatile boolean up;
    public volatile boolean ack;
    public volatile BackendMessage onHandshake;
    public volatile BackendMessage onFirstHandshake;
    private int handshakes;

    /**
     * Starts the server; after {@link #stop()}, brings the backend back: the listening socket stays
     * open throughout (so the port cannot be lost), and while stopped every upgrade is refused.
     */
    public TestBackend start() throws IOException {
        if (server == null) {
            server = new MockWebServer();
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    if (!up) {
                        return new MockResponse.Builder().code(503).build();
                    }
                    return new MockResponse.Builder().webSocketUpgrade(new Listener()).build();
                }
            });
            server.start(InetAddress.getByName("127.0.0.1"), 0);
            port = server.getPort();
        }
        up = true;
        return this;
    }

    public URI url() {
        return URI.create("ws://127.0.0.1:" + port + "/agent/");
    }

    /** Stops the backend: the agent's connection is closed and new ones are refused until {@link #start()}. */
    public void stop() {
        up = false;
        WebSocket ws;
        synchronized (this) {
            ws = socket;
            socket = null;
        }
        if (ws != null) {
            ws.close(1001, "backend stopping");
        }
    }

    public void send(BackendMessage message) {
        sendRaw(codec.encode(message));
    }

    public synchronized void sendRaw(String frame) {
        if (socket == null) {
            throw new IllegalStateException("no agent connected");
        }
        socket.send(frame);
    }

    public synchronized boolean connected() {
        return socket != null;
    }

    public synchronized List<AgentMessage> received() {
        return List.copyOf(received);
    }

    public synchronized List<StateLog> stateLogs() {
        return received.stream().filter(StateLog.class::isInstance).map(StateLog.class::cast).toList();
    }

    public synchronized List<String> rawReceived() {
        return List.copyOf(rawReceived);
    }

    public synchronized long count(Class<? extends AgentMessage> type) {
        return received.stream().filter(type::isInstance).count();
    }

    /** Waits until {@code condition} holds for what was received; fails after {@code timeout}. */
    public synchronized void await(Predicate<TestBackend> condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(this)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + "; received: " + received);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** How many different seqs arrived in StateLogs. */
    public synchronized long distinctSeqs() {
        return received.stream().filter(StateLog.class::isInstance).map(m -> ((StateLog) m).seq()).distinct().count();
    }

    @Override
    public void close() {
        stop();
        server.close();
    }

    private final class Listener extends WebSocketListener {
        @Override
        public void onOpen(WebSocket ws, Response response) {
            synchronized (TestBackend.this) {
                socket = ws;
            }
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            AgentMessage message = codec.decodeAgentMessage(text);
            BackendMessage reply = null;
            synchronized (TestBackend.this) {
                received.add(message);
                rawReceived.add(text);
                if (message instanceof Handshake) {
                    handshakes++;
                    reply = handshakes == 1 && onFirstHandshake != null ? onFirstHandshake : onHandshake;
                }
                TestBackend.this.notifyAll();
            }
            if (ack && message instanceof StateLog log && log.seq() != null) {
                ws.send(codec.encode(new StateLogAck(log.seq())));
            }
            if (reply != null) {
                ws.send(codec.encode(reply));
            }
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            ws.close(1000, null);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            forget(ws);
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            forget(ws);
        }

        private void forget(WebSocket ws) {
            synchronized (TestBackend.this) {
                if (socket == ws) {
                    socket = null;
                }
                TestBackend.this.notifyAll();
            }
        }
    }
}
