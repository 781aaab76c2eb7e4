package io.opsagent.fsm;

import io.opsagent.fsm.internal.transport.BackendConnection;
import io.opsagent.fsm.internal.transport.SharedHttpClient;
import io.opsagent.fsm.protocol.BackendMessage;
import io.opsagent.fsm.protocol.Handshake;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.ProtocolException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * One look at the backend, step by step, for diagnostics: name lookup, TCP connect, TLS
 * handshake, WebSocket upgrade and the protocol's Handshake, each bounded by the same timeout.
 * It uses the agent's own TLS settings ({@link ConnectionSettings#caFile()}, client
 * certificate), upgrade request and Handshake; nothing is retried and no connection is kept.
 */
public final class BackendProbe {

    /** Looks a host name up; the JDK's resolver by default, replaceable in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** How far the WebSocket and the Handshake got. */
    public enum Outcome {
        /** The upgrade request failed: no connection, TLS refused, or an HTTP answer other than 101. */
        UPGRADE_FAILED,
        /** The upgrade succeeded, but the backend sent nothing within the timeout after the Handshake. */
        NO_ANSWER,
        /** The backend closed or broke the connection before it answered the Handshake. */
        CLOSED,
        /** The backend answered with a frame that is not a message of the protocol. */
        MALFORMED_ANSWER,
        /** The backend answered the Handshake with a message of the protocol. */
        ANSWERED
    }

    /**
     * What {@link #handshake} found.
     *
     * @param outcome how far it got
     * @param detail the answer's code, or what went wrong
     * @param httpStatus the HTTP status of a refused upgrade, 0 when there was none
     * @param cause the exception behind a failed upgrade, or null
     */
    public record HandshakeResult(Outcome outcome, String detail, int httpStatus, Throwable cause) {
        public HandshakeResult {
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * A completed TLS handshake.
     *
     * @param protocol the TLS version, e.g. {@code TLSv1.3}
     * @param peer the subject of the backend's certificate
     */
    public record TlsResult(String protocol, String peer) {}

    private static final int NORMAL_CLOSURE = 1000;

    private final ConnectionSettings settings;
    private final Duration timeout;
    private final Resolver resolver;
    private final ProtocolCodec codec = new ProtocolCodec();

    /** A probe that looks names up with the JDK's resolver. */
    public BackendProbe(ConnectionSettings settings, Duration timeout) {
        this(settings, timeout, InetAddress::getAllByName);
    }

    public BackendProbe(ConnectionSettings settings, Duration timeout, Resolver resolver) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** The backend's host name (or address) from its URL. */
    public String host() {
        return settings.url().getHost();
    }

    /** The backend's port: the URL's, else 80 for {@code ws://} and 443 for {@code wss://}. */
    public int port() {
        int port = settings.url().getPort();
        return port >= 0 ? port : tls() ? 443 : 80;
    }

    /** Whether the backend URL is {@code wss://}. */
    public boolean tls() {
        return "wss".equals(settings.url().getScheme().toLowerCase(Locale.ROOT));
    }

    /**
     * The backend host's addresses. The lookup runs on its own daemon thread, so a resolver that
     * hangs costs the timeout and no more.
     *
     * @throws UnknownHostException when the name is unknown
     * @throws TimeoutException when no answer came within the timeout
     */
    public List<InetAddress> resolve() throws UnknownHostException, TimeoutException, InterruptedException {
        String host = host();
        CompletableFuture<InetAddress[]> lookup = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                lookup.complete(resolver.resolve(host));
            } catch (UnknownHostException | RuntimeException e) {
                lookup.completeExceptionally(e);
            }
        }, "opsagent-probe-dns");
        thread.setDaemon(true);
        thread.start();
        try {
            InetAddress[] addresses = lookup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (addresses == null || addresses.length == 0) {
                throw new UnknownHostException(host + ": no address");
            }
            return List.of(addresses);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException unknown) {
                throw unknown;
            }
            throw new UnknownHostException(host + ": " + e.getCause());
        }
    }

    /** Opens (and closes) a TCP connection to {@code address} at the backend's port, within the timeout. */
    public void connect(InetAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port()), timeoutMillis());
        }
    }

    /**
     * A TLS handshake with the backend at {@code address}, with the agent's trust (the CA file or
     * the system's) and client certificate, and its check of the certificate's host name.
     *
     * @throws javax.net.ssl.SSLException when the handshake fails or the name does not match
     * @throws IllegalStateException when the URL is not {@code wss://}
     * @throws OpsAgentException when the TLS settings cannot be used (a missing CA file, say)
     */
    public TlsResult tlsHandshake(InetAddress address) throws IOException {
        if (!tls()) {
            throw new IllegalStateException(settings.loggableUrl() + " uses no TLS");
        }
        OkHttpClient client = client();
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(address, port()), timeoutMillis());
            raw.setSoTimeout(timeoutMillis());
            try (SSLSocket socket = (SSLSocket) client.sslSocketFactory().createSocket(raw, host(), port(), true)) {
                socket.startHandshake();
                SSLSession session = socket.getSession();
                if (!client.hostnameVerifier().verify(host(), session)) {
                    throw new SSLPeerUnverifiedException("the backend's certificate is not for " + host() + " ("
                            + peer(session) + ")");
                }
                return new TlsResult(session.getProtocol(), peer(session));
            }
        }
    }

    private static String peer(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate x509) {
                return x509.getSubjectX500Principal().getName();
            }
        } catch (SSLPeerUnverifiedException e) {
            // No certificate to name.
        }
        return "no certificate";
    }

    /**
     * The WebSocket upgrade as the agent asks for it, then a Handshake for {@code identity}, and
     * the backend's first frame after it; waits at most the timeout for each.
     */
    public HandshakeResult handshake(AgentIdentity identity) throws InterruptedException {
        CompletableFuture<WebSocket> opened = new CompletableFuture<>();
        CompletableFuture<HandshakeResult> answered = new CompletableFuture<>();
        OkHttpClient client = client().newBuilder().pingInterval(Duration.ZERO).build();
        WebSocket ws = client.newWebSocket(BackendConnection.upgradeRequest(settings), new WebSocketListener() {
            @Override
            public void onOpen(WebSocket webSocket, Response response) {
                opened.complete(webSocket);
            }

            @Override
            public void onMessage(WebSocket webSocket, String text) {
                try {
                    BackendMessage message = codec.decodeBackendMessage(text);
                    answered.complete(new HandshakeResult(Outcome.ANSWERED, message.code(), 0, null));
                } catch (ProtocolException e) {
                    answered.complete(new HandshakeResult(Outcome.MALFORMED_ANSWER, e.getMessage(), 0, e));
                }
            }

            @Override
            public void onClosing(WebSocket webSocket, int code, String reason) {
                answered.complete(new HandshakeResult(Outcome.CLOSED, "closed by the backend: " + code
                        + (reason.isEmpty() ? "" : " " + reason), 0, null));
                webSocket.close(NORMAL_CLOSURE, null);
            }

            @Override
            public void onFailure(WebSocket webSocket, Throwable t, Response response) {
                int status = response == null ? 0 : response.code();
                String why = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
                HandshakeResult failed = new HandshakeResult(Outcome.UPGRADE_FAILED,
                        status == 0 ? why : "HTTP " + status + " instead of 101 Switching Protocols", status, t);
                if (!opened.completeExceptionally(new ProbeFailure(failed))) {
                    answered.complete(new HandshakeResult(Outcome.CLOSED, "connection broken: " + why, 0, t));
                }
            }
        });
        try {
            try {
                opened.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                return ((ProbeFailure) e.getCause()).result;
            } catch (TimeoutException e) {
                return new HandshakeResult(Outcome.UPGRADE_FAILED, "no answer to the upgrade request within "
                        + timeout.toMillis() + " ms", 0, e);
            }
            ws.send(codec.encode(new Handshake(identity.instanceId(), identity.appId(), identity.agentVersion(),
                    Handshake.PROTOCOL_VERSION, identity.instanceToken(), settings.initErrors())));
            try {
                return answered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            } catch (TimeoutException e) {
                return new HandshakeResult(Outcome.NO_ANSWER, "no answer to the Handshake within "
                        + timeout.toMillis() + " ms", 0, null);
            }
        } finally {
            if (!ws.close(NORMAL_CLOSURE, "diagnostics done")) {
                ws.cancel();
            }
        }
    }

    private OkHttpClient client() {
        int millis = timeoutMillis();
        return BackendConnection.clientBuilder(SharedHttpClient.forUrl(settings.url()), settings)
                .dns(host -> List.of(resolver.resolve(host)))
                .connectTimeout(Duration.ofMillis(millis))
                .readTimeout(Duration.ofMillis(millis))
                .writeTimeout(Duration.ofMillis(millis))
                .build();
    }

    private int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    }

    /** Carries a failed upgrade out of the listener. */
    private static final class ProbeFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient HandshakeResult result;

        ProbeFailure(HandshakeResult result) {
            super(result.detail(), null, false, false);
            this.result = result;
        }
    }
}
