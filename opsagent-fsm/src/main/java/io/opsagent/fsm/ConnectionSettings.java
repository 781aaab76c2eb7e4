package io.opsagent.fsm;

import java.net.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.net.SocketFactory;

/**
 * How the agent connects to its backend. Built with {@link #builder(URI)}; validated when built.
 */
public final class ConnectionSettings {

    private final URI url;
    private final BackoffPolicy reconnect;
    private final Duration stableAfter;
    private final Duration pingInterval;
    private final Duration notReadyRetry;
    private final Duration readSilenceTimeout;
    private final Duration ackWait;
    private final int outboxCapacity;
    private final long firstSeq;
    private final Path caFile;
    private final Path clientKeyStore;
    private final char[] clientKeyStorePassword;
    private final Path clientCertPem;
    private final Path clientKeyPem;
    private final String initErrors;
    private final Proxy proxy;
    private final SocketFactory socketFactory;

    private ConnectionSettings(Builder b) {
        this.url = b.url;
        this.reconnect = BackoffPolicy.fullJitter(b.reconnectInitial, b.reconnectMax);
        this.stableAfter = positive(b.stableAfter, "stable-after");
        this.pingInterval = notNegative(b.pingInterval, "ping interval");
        this.notReadyRetry = positive(b.notReadyRetry, "not-ready retry");
        this.readSilenceTimeout = notNegative(b.readSilenceTimeout, "read-silence timeout");
        this.ackWait = positive(b.ackWait, "ack wait");
        if (b.outboxCapacity < 1) {
            throw new IllegalArgumentException("outbox capacity must be at least 1, got " + b.outboxCapacity);
        }
        this.outboxCapacity = b.outboxCapacity;
        this.firstSeq = b.firstSeq;
        this.caFile = b.caFile;
        this.clientKeyStore = b.clientKeyStore;
        this.clientKeyStorePassword = b.clientKeyStorePassword == null ? null : b.clientKeyStorePassword.clone();
        if ((b.clientCertPem == null) != (b.clientKeyPem == null)) {
            throw new IllegalArgumentException("a PEM client certificate needs both the certificate and the key file");
        }
        if (b.clientCertPem != null && b.clientKeyStore != null) {
            throw new IllegalArgumentException("give the client certificate either as PKCS#12 or as PEM files, not both");
        }
        this.clientCertPem = b.clientCertPem;
        this.clientKeyPem = b.clientKeyPem;
        this.initErrors = b.initErrors;
        if (b.proxy != null && b.proxy.type() == Proxy.Type.SOCKS) {
            throw new IllegalArgumentException("a SOCKS proxy is not supported (its sockets would bypass the"
                    + " connection's socket setup); give an HTTP proxy or Proxy.NO_PROXY, got " + b.proxy);
        }
        this.proxy = b.proxy;
        this.socketFactory = b.socketFactory;
    }

    public static Builder builder(URI url) {
        return new Builder(url);
    }

    /** The backend's {@code ws://} or {@code wss://} URL. */
    public URI url() {
        return url;
    }

    /**
     * {@link #url()} without its user info ({@code user:password@}), as it is logged and shown:
     * a password given in the URL must never reach a log line.
     */
    public String loggableUrl() {
        if (url.getRawUserInfo() == null) {
            return url.toString();
        }
        try {
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), url.getQuery(), null)
                    .toString();
        } catch (java.net.URISyntaxException e) {
            return url.getScheme() + "://" + url.getHost();
        }
    }

    /** Reconnect delays: exponential with full jitter (default 1 s doubling to 60 s). */
    public BackoffPolicy reconnect() {
        return reconnect;
    }

    /** A connection that stayed up this long resets the reconnect backoff (default 60 s). */
    public Duration stableAfter() {
        return stableAfter;
    }

    /** WebSocket ping interval; a missing pong fails the connection (default 30 s; zero: off). */
    public Duration pingInterval() {
        return pingInterval;
    }

    /** Pause after AppNotReady before the Handshake is sent again (default 30 s). */
    public Duration notReadyRetry() {
        return notReadyRetry;
    }

    /** Reconnect after this long without any frame from the backend (default zero: off). */
    public Duration readSilenceTimeout() {
        return readSilenceTimeout;
    }

    /**
     * How long sent StateLogs wait, on a live connection, for the backend's first
     * acknowledgement before the agent concludes that the backend does not acknowledge (default
     * 10 s). Until then they are kept and sent again after a reconnect, so none is lost.
     */
    public Duration ackWait() {
        return ackWait;
    }

    /** Bound on queued StateLogs (default 10,000); overflow drops the oldest. */
    public int outboxCapacity() {
        return outboxCapacity;
    }

    /** The sequence number of the first StateLog (default 1). */
    public long firstSeq() {
        return firstSeq;
    }

    /** A PEM file of CA certificates to trust instead of the system's, or null. */
    public Path caFile() {
        return caFile;
    }

    /** A PKCS#12 file with the client certificate and key for mutual TLS, or null. */
    public Path clientKeyStore() {
        return clientKeyStore;
    }

    /** The password of {@link #clientKeyStore()}, or null. */
    public char[] clientKeyStorePassword() {
        return clientKeyStorePassword == null ? null : clientKeyStorePassword.clone();
    }

    /** A PEM file with the client certificate (then its chain) for mutual TLS, or null. */
    public Path clientCertPem() {
        return clientCertPem;
    }

    /** The PEM file (unencrypted PKCS#8) with the key of {@link #clientCertPem()}, or null. */
    public Path clientKeyPem() {
        return clientKeyPem;
    }

    /**
     * The proxy the backend is reached through, or null to use the JVM's {@link
     * java.net.ProxySelector} (which, by default, follows the {@code http.proxyHost} and {@code
     * https.proxyHost} system properties). {@link Proxy#NO_PROXY} connects directly.
     */
    public Proxy proxy() {
        return proxy;
    }

    /**
     * Where the connection's plain sockets come from, or null for the JVM's default; the agent
     * turns on TCP_NODELAY on each. TLS is layered on top for {@code wss://}.
     */
    public SocketFactory socketFactory() {
        return socketFactory;
    }

    /** Problems found while preparing the host, sent in the Handshake's {@code init_errors}, or null. */
    public String initErrors() {
        return initErrors;
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
        return d;
    }

    private static Duration notNegative(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative, got " + d);
        }
        return d;
    }

    /** Builds {@link ConnectionSettings}. */
    public static final class Builder {
        private final URI url;
        private Duration reconnectInitial = Duration.ofSeconds(1);
        private Duration reconnectMax = Duration.ofSeconds(60);
        private Duration stableAfter = Duration.ofSeconds(60);
        private Duration pingInterval = Duration.ofSeconds(30);
        private Duration notReadyRetry = Duration.ofSeconds(30);
        private Duration readSilenceTimeout = Duration.ZERO;
        private Duration ackWait = Duration.ofSeconds(10);
        private int outboxCapacity = 10_000;
        private long firstSeq = 1;
        private Path caFile;
        private Path clientKeyStore;
        private char[] clientKeyStorePassword;
        private Path clientCertPem;
        private Path clientKeyPem;
        private String initErrors;
        private Proxy proxy;
        private SocketFactory socketFactory;

        private Builder(URI url) {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("ws") && !scheme.equals("wss")) {
                throw new IllegalArgumentException("backend URL must start with ws:// or wss://, got " + url);
            }
            this.url = url;
        }

        public Builder reconnect(Duration initial, Duration max) {
            this.reconnectInitial = initial;
            this.reconnectMax = max;
            return this;
        }

        public Builder stableAfter(Duration stableAfter) {
            this.stableAfter = stableAfter;
            return this;
        }

        public Builder pingInterval(Duration pingInterval) {
            this.pingInterval = pingInterval;
            return this;
        }

        public Builder notReadyRetry(Duration notReadyRetry) {
            this.notReadyRetry = notReadyRetry;
            return this;
        }

        public Builder readSilenceTimeout(Duration timeout) {
            this.readSilenceTimeout = timeout;
            return this;
        }

        public Builder ackWait(Duration wait) {
            this.ackWait = wait;
            return this;
        }

        public Builder outboxCapacity(int capacity) {
            this.outboxCapacity = capacity;
            return this;
        }

        public Builder firstSeq(long firstSeq) {
            this.firstSeq = firstSeq;
            return this;
        }

        public Builder caFile(Path caFile) {
            this.caFile = caFile;
            return this;
        }

        public Builder clientCertificate(Path pkcs12, char[] password) {
            this.clientKeyStore = pkcs12;
            this.clientKeyStorePassword = password == null ? null : password.clone();
            return this;
        }

        /** A client certificate for mutual TLS from PEM files: the certificate (chain) and its PKCS#8 key. */
        public Builder clientCertificatePem(Path certificate, Path key) {
            this.clientCertPem = certificate;
            this.clientKeyPem = key;
            return this;
        }

        /**
         * Reach the backend through {@code proxy}: an HTTP proxy (tunnelled with CONNECT for
         * {@code wss://}), or {@link Proxy#NO_PROXY} to connect directly whatever the JVM's proxy
         * settings say. A SOCKS proxy is refused when the settings are built. Default: the JVM's
         * {@link java.net.ProxySelector}.
         */
        public Builder proxy(Proxy proxy) {
            this.proxy = proxy;
            return this;
        }

        /**
         * Make the connection's sockets with {@code factory} (e.g. to bind a local address or
         * set socket options). Default: the JVM's.
         */
        public Builder socketFactory(SocketFactory factory) {
            this.socketFactory = factory;
            return this;
        }

        public Builder initErrors(String initErrors) {
            this.initErrors = initErrors;
            return this;
        }

        public ConnectionSettings build() {
            return new ConnectionSettings(this);
        }
    }
}
