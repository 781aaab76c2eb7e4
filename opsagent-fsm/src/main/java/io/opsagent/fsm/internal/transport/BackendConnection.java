package io.opsagent.fsm.internal.transport;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.Cancellable;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.EventLoop;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.AgentSnapshot;
import io.opsagent.fsm.protocol.AgentMessage;
import io.opsagent.fsm.protocol.AppNotReady;
import io.opsagent.fsm.protocol.BackendMessage;
import io.opsagent.fsm.protocol.FrameLimitException;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.ProtocolException;
import io.opsagent.fsm.protocol.RefusedFrame;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.protocol.StateLogAck;
import io.opsagent.fsm.protocol.TestAns;
import io.opsagent.fsm.protocol.TestReply;
import io.opsagent.fsm.protocol.TestRequest;
import io.opsagent.fsm.protocol.WaitQuery;
import io.opsagent.fsm.spi.MessageSink;
import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.internal.store.OutboxJournal;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import javax.net.SocketFactory;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The agent's WebSocket connection to its backend, with its own lifecycle (see
 * {@link ConnectionState}): connect, Handshake, re-Handshake after AppNotReady, reconnect with
 * full-jitter backoff, and an ordered {@link Outbox} for StateLogs.
 *
 * <p>OkHttp calls its listener on its own threads; the listener only decodes the frame there and
 * posts the result to the agent's event loop, where every decision is taken. Each socket gets a
 * generation number, so callbacks of a socket that was already given up are ignored.
 */
public final class BackendConnection implements MessageSink {

    private static final Logger LOG = LogManager.getLogger(BackendConnection.class);
    private static final AtomicBoolean PLAIN_WS_WARNED = new AtomicBoolean();
    private static final int NORMAL_CLOSURE = 1000;

    private final ConnectionSettings settings;
    private final AgentIdentity identity;
    private final EventLoop loop;
    private final OkHttpClient client;
    private final ProtocolCodec codec;
    private final RandomGenerator random;
    private final Consumer<BackendMessage> inbound;
    private final Supplier<AgentSnapshot> round;
    private final Outbox outbox;
    private final OutboxJournal journal;
    private final AtomicLong malformedFrames = new AtomicLong();

    private volatile ConnectionState state = ConnectionState.DISCONNECTED;
    private volatile int outboxDepth;
    private WebSocket socket;
    private long generation;
    private long openedAtNanos;
    /** When the connection was lost (or the first attempt failed); 0 while connected or never lost. */
    private long lostAtNanos;
    /** The loop time of the next connection attempt while backing off; 0 otherwise. Read from any thread. */
    private volatile long reconnectDueNanos;
    private volatile long lastFrameNanos;
    private int failedAttempts;
    private long connects;
    private Cancellable timer = Cancellable.NONE;
    private Cancellable watchdog = Cancellable.NONE;
    private Runnable afterHandshake = () -> { };
    private BiConsumer<ConnectionState, ConnectionState> stateListener = (from, to) -> { };
    private Consumer<RefusedFrame> refusedFrame = refusal -> { };
    private boolean ackWaitArmed;

    public BackendConnection(ConnectionSettings settings, AgentIdentity identity, EventLoop loop, OkHttpClient client,
            ProtocolCodec codec, RandomGenerator random, Consumer<BackendMessage> inbound,
            Supplier<AgentSnapshot> round, Path stateDirectory) {
        this.settings = settings;
        this.identity = identity;
        this.loop = loop;
        this.client = clientBuilder(client, settings).build();
        this.codec = codec;
        this.random = random;
        this.inbound = inbound;
        this.round = round;
        if (stateDirectory == null) {
            this.journal = null;
            this.outbox = new Outbox(settings.outboxCapacity(), settings.firstSeq());
        } else {
            try {
                OutboxJournal.Opened opened = OutboxJournal.open(stateDirectory, settings.firstSeq());
                this.journal = opened.journal();
                OutboxJournal.Replay replay = opened.replay();
                this.outbox = new Outbox(settings.outboxCapacity(), replay.nextSeq(), journal, replay.pending(),
                        replay.backendAcknowledges());
            } catch (IOException e) {
                throw new OpsAgentException("cannot open the outbox journal in " + stateDirectory + ": "
                        + e.getMessage(), e);
            }
        }
        this.outboxDepth = outbox.size();
    }

    /**
     * The agent's HTTP client for {@code settings}, derived from {@code client}: its ping
     * interval, no-delay sockets (from the settings' socket factory, if any), proxy and TLS (CA
     * file, client certificate).
     */
    public static OkHttpClient.Builder clientBuilder(OkHttpClient client, ConnectionSettings settings) {
        SocketFactory sockets = settings.socketFactory() != null ? settings.socketFactory() : client.socketFactory();
        OkHttpClient.Builder builder = client.newBuilder()
                .pingInterval(settings.pingInterval())
                .socketFactory(new NoDelaySocketFactory(sockets));
        if (settings.proxy() != null) {
            builder.proxy(settings.proxy());
        }
        TlsConfigurer.apply(builder, settings);
        return builder;
    }

    /** The WebSocket upgrade request the agent sends to its backend. */
    public static Request upgradeRequest(ConnectionSettings settings) {
        return new Request.Builder().url(settings.url().toString())
                .header("Origin", settings.loggableUrl())
                .build();
    }

    /** Opens the first connection; call on the event loop. */
    public void start() {
        if ("ws".equals(settings.url().getScheme().toLowerCase(Locale.ROOT)) && PLAIN_WS_WARNED.compareAndSet(false, true)) {
            LOG.warn("the backend URL {} is plain ws://: the instance token and the recipes travel unencrypted;"
                    + " use wss:// where the backend supports it", settings.loggableUrl());
        }
        connect();
    }

    /** Queues a message for the backend; StateLogs are kept in order until delivered. On the loop. */
    @Override
    public void send(AgentMessage message) {
        if (message instanceof StateLog log) {
            outbox.add(log);
            flush();
        } else if (state == ConnectionState.ONLINE) {
            write(message);
        } else {
            LOG.debug("offline: {} not sent", message.code());
        }
        outboxDepth = outbox.size();
    }

    /** Closes the connection for good; call on the event loop. */
    public void close() {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        moveTo(ConnectionState.CLOSED);
        timer.cancel();
        watchdog.cancel();
        generation++;
        if (socket != null) {
            socket.close(NORMAL_CLOSURE, "agent stopping");
            socket = null;
        }
        if (journal != null) {
            journal.close();
        }
        LOG.info("connection to {} closed", settings.loggableUrl());
    }

    /** The loop time of the next connection attempt while backing off, 0 otherwise; safe from any thread. */
    public long reconnectDueNanos() {
        return state == ConnectionState.BACKING_OFF ? reconnectDueNanos : 0;
    }

    public ConnectionState state() {
        return state;
    }

    /** StateLogs queued or waiting for an acknowledgement. Any thread. */
    public int outboxDepth() {
        return outboxDepth;
    }

    public long malformedFrames() {
        return malformedFrames.get();
    }

    /** How many times a connection was opened. */
    public long connects() {
        return connects;
    }

    public long droppedLogs() {
        return outbox.dropped();
    }

    // ------------------------------------------------------------------ lifecycle, on the loop

    private void connect() {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        moveTo(ConnectionState.CONNECTING);
        reconnectDueNanos = 0;
        long gen = ++generation;
        if (lostAtNanos == 0) {
            LOG.info("connecting to {}", settings.loggableUrl());
        } else {
            // The line that said the connection was lost named this attempt and its delay.
            LOG.debug("connecting to {} (attempt {})", settings.loggableUrl(), failedAttempts);
        }
        socket = client.newWebSocket(upgradeRequest(settings), new Listener(gen));
    }

    private void opened(WebSocket ws) {
        connects++;
        openedAtNanos = loop.nanoTime();
        lastFrameNanos = openedAtNanos;
        if (lostAtNanos == 0) {
            LOG.info("connected to {}", settings.loggableUrl());
            handshake(ws);
        } else {
            long down = openedAtNanos - lostAtNanos;
            int waiting = outbox.size();
            handshake(ws);
            LOG.info("connected to {} again after {} s down ({} attempt(s)); {} StateLog(s) sent", settings.loggableUrl(),
                    down / 1_000_000_000, failedAttempts, waiting - outbox.size());
            lostAtNanos = 0;
        }
        armWatchdog();
    }

    private void handshake(WebSocket ws) {
        if (!ws.send(codec.encode(handshakeMessage()))) {
            LOG.warn("could not send the Handshake: the socket is closing");
            return;
        }
        moveTo(ConnectionState.ONLINE);
        afterHandshake.run();
        flush();
        AgentSnapshot snapshot = round.get();
        if (snapshot.state() == RoundState.WAITING_FOR_DONE) {
            write(new WaitQuery(identity.instanceId(), identity.appId(), snapshot.recipeVersion()));
        }
    }

    /** Runs {@code action} on the loop each time a Handshake has been written, before anything else. */
    public void afterHandshake(Runnable action) {
        this.afterHandshake = action;
    }

    /** Tells {@code listener}, on the loop, each time the connection's state changes. */
    public void onStateChange(BiConsumer<ConnectionState, ConnectionState> listener) {
        this.stateListener = Objects.requireNonNull(listener, "listener");
    }

    private void moveTo(ConnectionState next) {
        ConnectionState previous = state;
        state = next;
        if (previous != next) {
            try {
                stateListener.accept(previous, next);
            } catch (RuntimeException e) {
                LOG.error("a connection listener failed on {} -> {}", previous, next, e);
            }
        }
    }

    /** Runs {@code action} on the loop for each frame refused because it broke a protocol limit. */
    public void onRefusedFrame(Consumer<RefusedFrame> action) {
        this.refusedFrame = action;
    }

    private Handshake handshakeMessage() {
        return new Handshake(identity.instanceId(), identity.appId(), identity.agentVersion(),
                Handshake.PROTOCOL_VERSION, identity.instanceToken(), settings.initErrors());
    }

    private void received(BackendMessage message) {
        if (message instanceof AppNotReady) {
            notReady();
        } else if (message instanceof StateLogAck ack) {
            outbox.acknowledge(ack.seq());
            outboxDepth = outbox.size();
        } else if (message instanceof TestRequest) {
            write(new TestReply(handshakeMessage()));
        } else if (message instanceof TestAns answer) {
            LOG.info("test verdict from the backend: result={}, error={}", answer.result(), answer.error());
        } else {
            inbound.accept(message);
        }
    }

    private void notReady() {
        if (state != ConnectionState.ONLINE) {
            return;
        }
        moveTo(ConnectionState.NOT_READY);
        Duration pause = settings.notReadyRetry();
        LOG.info("the backend is not ready for this app; sending the Handshake again in {} ms", pause.toMillis());
        long gen = generation;
        timer.cancel();
        timer = loop.schedule(pause, () -> {
            if (gen == generation && state == ConnectionState.NOT_READY && socket != null) {
                handshake(socket);
            }
        });
    }

    private void lost(String reason) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        generation++;
        socket = null;
        timer.cancel();
        watchdog.cancel();
        outbox.connectionLost();
        outboxDepth = outbox.size();
        boolean wasOpen = state == ConnectionState.ONLINE || state == ConnectionState.NOT_READY;
        if (lostAtNanos == 0) {
            lostAtNanos = Math.max(1, loop.nanoTime());
        }
        if (wasOpen && loop.nanoTime() - openedAtNanos >= settings.stableAfter().toNanos()) {
            failedAttempts = 0;
        }
        failedAttempts++;
        Duration delay = settings.reconnect().delay(failedAttempts, random);
        moveTo(ConnectionState.BACKING_OFF);
        LOG.warn("connection to {} lost ({}); reconnecting in {} ms (attempt {})", settings.loggableUrl(), reason,
                delay.toMillis(), failedAttempts);
        reconnectDueNanos = Math.max(1, loop.nanoTime() + delay.toNanos());
        timer = loop.schedule(delay, this::connect);
    }

    private void flush() {
        if (state != ConnectionState.ONLINE || socket == null) {
            return;
        }
        List<StateLog> logs = outbox.drain();
        for (int i = 0; i < logs.size(); i++) {
            if (!write(logs.get(i))) {
                outbox.requeue(logs.subList(i, logs.size()));
                break;
            }
        }
        outboxDepth = outbox.size();
        armAckWait();
    }

    /** Until the backend is known to acknowledge (or not), sent logs wait {@code ackWait} for it. */
    private void armAckWait() {
        if (ackWaitArmed || !outbox.awaitingFirstAcknowledgement()) {
            return;
        }
        ackWaitArmed = true;
        long gen = generation;
        loop.schedule(settings.ackWait(), () -> {
            ackWaitArmed = false;
            if (gen == generation && state == ConnectionState.ONLINE && outbox.awaitingFirstAcknowledgement()) {
                outbox.backendDoesNotAcknowledge();
                outboxDepth = outbox.size();
            } else {
                armAckWait();
            }
        });
    }

    private boolean write(AgentMessage message) {
        if (socket == null) {
            return false;
        }
        LOG.debug("sending {}", message);
        return socket.send(codec.encode(message));
    }

    private void armWatchdog() {
        Duration timeout = settings.readSilenceTimeout();
        if (timeout.isZero()) {
            return;
        }
        long gen = generation;
        watchdog.cancel();
        watchdog = loop.schedule(timeout, () -> {
            if (gen != generation || socket == null) {
                return;
            }
            long silent = loop.nanoTime() - lastFrameNanos;
            if (silent >= timeout.toNanos()) {
                LOG.warn("no frame from the backend for {} ms; dropping the connection", silent / 1_000_000);
                socket.cancel();
                lost("read silence");
            } else {
                armWatchdog();
            }
        });
    }

    /** OkHttp's callbacks: decode off the loop, decide on it. */
    private final class Listener extends WebSocketListener {
        private final long gen;

        Listener(long gen) {
            this.gen = gen;
        }

        private void onLoop(Runnable task) {
            loop.execute(() -> {
                if (gen == generation) {
                    task.run();
                }
            });
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            onLoop(() -> opened(ws));
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            lastFrameNanos = loop.nanoTime();
            BackendMessage message;
            try {
                message = codec.decodeBackendMessage(text);
            } catch (ProtocolException e) {
                malformedFrames.incrementAndGet();
                LOG.warn("malformed frame from the backend dropped: {}", e.getMessage());
                if (e instanceof FrameLimitException limit) {
                    onLoop(() -> refusedFrame.accept(limit.refusal()));
                }
                return;
            }
            onLoop(() -> received(message));
        }

        @Override
        public void onMessage(WebSocket ws, ByteString bytes) {
            lastFrameNanos = loop.nanoTime();
            malformedFrames.incrementAndGet();
            LOG.warn("binary frame of {} bytes from the backend dropped: the protocol uses text frames", bytes.size());
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            ws.close(NORMAL_CLOSURE, null);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            onLoop(() -> lost("closed by the backend: " + code + (reason.isEmpty() ? "" : " " + reason)));
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            String why = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
            if (response != null) {
                why += " (HTTP " + response.code() + ")";
            }
            String reason = why;
            onLoop(() -> lost(reason));
        }
    }
}
