package io.opsagent.launcher.upgrade;

import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Downloads a release and verifies it before anything else touches it.
 *
 * <p>The tarball is {@code <base_remote>/<version>/opsagent.tgz}, with its checksum
 * ({@code opsagent.tgz.sha256}) and detached signature ({@code opsagent.tgz.sig}) beside it. An
 * order's {@code url} replaces that location only when it is an http(s) URL of a {@code .tgz} or
 * {@code .tar.gz} file with no query or fragment; anything else in it is ignored (the original
 * agent used the field as a new backend WebSocket URI, which an upgrade order must not change).
 * The companion files are then fetched from the same URL with {@code .sha256} and {@code .sig}
 * appended.
 *
 * <p>A host that runs a platform release (its own Java runtime, {@link ReleaseKind}) takes the
 * platform tarball of its platform instead, {@code opsagent-linux-x64.tgz}, named as the bootstrap
 * names it; an order's url is turned into that tarball's URL ({@link ReleaseKind#tarballUrl}).
 * When it is not published the upgrade fails, and does not fall back to the plain tarball: that
 * needs a Java on the host, which such a host may not have.
 *
 * <p>The two small companion files are fetched first, so a release without them fails before its
 * tarball is downloaded. The tarball is streamed to disk with a size limit enforced while it
 * arrives, and each request has a deadline for its whole exchange, headers and body. HTTPS
 * certificates and host names are verified by the JDK's defaults.
 */
public final class ReleaseFetcher {

    private static final Logger LOG = LogManager.getLogger(ReleaseFetcher.class);

    /** The file name of the tarball in a release directory. */
    public static final String TARBALL = "opsagent.tgz";
    /**
     * The file name of the platform release for Linux on x86-64 in a release directory: the
     * plain release plus its own Java runtime ({@code runtime/}), which the bootstrap installs
     * on such hosts (docs/operations.md, "Bootstrap").
     */
    public static final String PLATFORM_TARBALL_LINUX_X64 = "opsagent-linux-x64.tgz";
    /** The checksum file's suffix. */
    public static final String CHECKSUM_SUFFIX = ".sha256";
    /** The signature file's suffix. */
    public static final String SIGNATURE_SUFFIX = ".sig";

    /** The largest companion file accepted; a real one is under 100 bytes. */
    static final int MAX_COMPANION_BYTES = 4096;

    /**
     * The name under which a tarball the build made is uploaded to a release directory:
     * {@link #PLATFORM_TARBALL_LINUX_X64} for a file named {@code ...-linux-x64.tgz}, else
     * {@link #TARBALL}.
     */
    public static String uploadName(String fileName) {
        return fileName.endsWith("-linux-x64.tgz") ? PLATFORM_TARBALL_LINUX_X64 : TARBALL;
    }

    private final Supplier<HttpClient> newClient;
    private HttpClient client;
    private final URI baseRemote;
    private final PublicKey releaseKey;
    private final long maxDownloadBytes;
    private final Duration requestTimeout;

    /**
     * @param client the HTTP client ({@link #newHttpClient(Duration)} makes a suitable one)
     * @param baseRemote {@code [userdata] base_remote}, or null when none is configured (then
     *     only orders with a usable {@code url} can be fetched)
     * @param releaseKey the public key releases must be signed with
     * @param maxDownloadBytes the largest tarball accepted
     * @param requestTimeout the deadline of each request, from sending it to the last byte
     */
    public ReleaseFetcher(HttpClient client, URI baseRemote, PublicKey releaseKey, long maxDownloadBytes,
            Duration requestTimeout) {
        this(given(client), baseRemote, releaseKey, maxDownloadBytes, requestTimeout);
    }

    /**
     * A fetcher that makes its HTTP client at its first download. A JDK HTTP client sets up TLS
     * (the system trust store) and keeps a selector thread from the moment it is built, which a
     * daemon that may never upgrade should not pay for.
     *
     * @param newClient makes the HTTP client, once ({@link #newHttpClient(Duration)} makes a suitable one)
     */
    public ReleaseFetcher(Supplier<HttpClient> newClient, URI baseRemote, PublicKey releaseKey, long maxDownloadBytes,
            Duration requestTimeout) {
        this.newClient = Objects.requireNonNull(newClient, "newClient");
        this.baseRemote = baseRemote;
        this.releaseKey = Objects.requireNonNull(releaseKey, "releaseKey");
        if (maxDownloadBytes <= 0) {
            throw new IllegalArgumentException("maxDownloadBytes must be > 0, was " + maxDownloadBytes);
        }
        this.maxDownloadBytes = maxDownloadBytes;
        this.requestTimeout = requirePositive(requestTimeout, "requestTimeout");
        if (baseRemote != null && !isHttp(baseRemote)) {
            throw new IllegalArgumentException("base_remote must be an http or https URL, was " + baseRemote);
        }
    }

    private static Supplier<HttpClient> given(HttpClient client) {
        Objects.requireNonNull(client, "client");
        return () -> client;
    }

    private synchronized HttpClient client() {
        if (client == null) {
            client = Objects.requireNonNull(newClient.get(), "the HTTP client made for downloads");
        }
        return client;
    }

    /** An HTTP client for downloads: HTTP/1.1, redirects followed except https to http, JDK TLS checks. */
    public static HttpClient newHttpClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(requirePositive(connectTimeout, "connectTimeout"))
                .build();
    }

    /** Where the plain tarball of {@code order} is downloaded from; see {@link #tarballUri(AgentUpdate, ReleaseKind)}. */
    public URI tarballUri(AgentUpdate order) {
        return tarballUri(order, ReleaseKind.PLAIN);
    }

    /**
     * Where the tarball of {@code kind} of the release {@code order} names is downloaded from:
     * {@code <base_remote>/<version>/<kind's tarball name>}, or the order's url made that kind's
     * ({@link ReleaseKind#tarballUrl}).
     *
     * @throws UpgradeException ({@link Kind#REFUSED}) if the version is not a release name,
     *     neither the order's url nor {@code base_remote} gives a location, or {@code kind} is a
     *     runtime of a platform no tarball is named for
     */
    public URI tarballUri(AgentUpdate order, ReleaseKind kind) {
        String version = ReleaseVersion.requireValid(order.version());
        String name = kind.tarballName();
        Optional<URI> direct = directUrl(order.url());
        if (direct.isPresent()) {
            return URI.create(kind.tarballUrl(direct.get().toString()));
        }
        if (baseRemote == null) {
            throw new UpgradeException(Kind.REFUSED, "no base_remote is configured to download release "
                    + version + " from");
        }
        String base = baseRemote.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + version + "/" + name);
    }

    /** Downloads and verifies the plain tarball of {@code order}; see {@link #fetch(AgentUpdate, ReleaseKind, Path)}. */
    public FetchedRelease fetch(AgentUpdate order, Path downloadDir) {
        return fetch(order, ReleaseKind.PLAIN, downloadDir);
    }

    /**
     * Downloads the tarball of {@code kind} of the release {@code order} names into
     * {@code downloadDir} and verifies its checksum and signature.
     *
     * @throws UpgradeException with the reason, if anything is missing, wrong or unreachable
     */
    public FetchedRelease fetch(AgentUpdate order, ReleaseKind kind, Path downloadDir) {
        URI tarballUri = tarballUri(order, kind);
        String name = kind.tarballName();
        String what = name + " " + order.version();
        // A platform host does not fall back to the plain tarball: it may have no Java to run it on.
        String ifMissing = kind.isPlatform()
                ? "; this host runs " + kind + ", which brings its own Java runtime, and takes only " + name
                        + " (the plain " + TARBALL + " needs a Java on the host): publish " + name
                        + " beside " + TARBALL + ", signed with release-sign"
                : "";
        if (order.url() != null && !order.url().isBlank() && directUrl(order.url()).isEmpty()) {
            LOG.info("the upgrade order's url {} is not a release tarball URL; it is ignored and {} is used",
                    ReleaseVersion.quote(order.url()), tarballUri);
        }
        URI checksumUri = URI.create(tarballUri + CHECKSUM_SUFFIX);
        URI signatureUri = URI.create(tarballUri + SIGNATURE_SUFFIX);

        String expected = ReleaseVerifier.parseChecksum(getCompanion(checksumUri, "checksum of " + what, ifMissing),
                what);
        byte[] signature = ReleaseVerifier.parseSignature(getCompanion(signatureUri, "signature of " + what,
                ifMissing), what);

        Path tarball = downloadDir.resolve(name);
        LOG.info("downloading {} from {}", what, tarballUri);
        MessageDigest digest = ReleaseVerifier.newSha256();
        long size;
        try (FileChannel out = FileChannel.open(tarball, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            size = get(tarballUri, what, ifMissing, maxDownloadBytes, buf -> {
                digest.update(buf.duplicate());
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
            });
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot write " + tarball + ": " + e, e);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        ReleaseVerifier.requireChecksum(expected, actual, what, checksumUri.toString());
        try {
            ReleaseVerifier.requireSignature(tarball, order.version(), actual, signature, releaseKey, what);
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot read " + tarball + ": " + e, e);
        }
        LOG.info("{} verified: {} bytes, sha256 {}, signed by {}", what, size, actual,
                ReleaseKeys.fingerprint(releaseKey));
        return new FetchedRelease(order.version(), tarball, tarballUri, actual, size);
    }

    /** The order's url when it names a tarball this fetcher may download directly. */
    static Optional<URI> directUrl(String url) {
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String path = uri.getRawPath();
        if (!isHttp(uri) || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null
                || path == null) {
            return Optional.empty();
        }
        String lower = path.toLowerCase(Locale.ROOT);
        return lower.endsWith(".tgz") || lower.endsWith(".tar.gz") ? Optional.of(uri) : Optional.empty();
    }

    private String getCompanion(URI uri, String what, String ifMissing) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        get(uri, what, ifMissing, MAX_COMPANION_BYTES, buf -> {
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            body.write(bytes, 0, bytes.length);
        });
        return body.toString(StandardCharsets.US_ASCII);
    }

    /** Receives the bytes of a response body, in order, on an HTTP client thread. */
    private interface Sink {
        void write(ByteBuffer buf) throws IOException;
    }

    /**
     * GETs {@code uri} into {@code sink}; returns the body's length.
     *
     * @param ifMissing added to the reason when the server answers that the file is not there
     */
    private long get(URI uri, String what, String ifMissing, long limit, Sink sink) {
        HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(requestTimeout).build();
        AtomicLong received = new AtomicLong();
        HttpResponse.BodyHandler<Long> handler = info -> {
            if (info.statusCode() != 200) {
                return BodySubscribers.replacing(-1L);
            }
            OptionalLong declared = info.headers().firstValueAsLong("Content-Length");
            if (declared.isPresent() && declared.getAsLong() > limit) {
                return new LimitedBody(sink, limit, received, declared.getAsLong());
            }
            return new LimitedBody(sink, limit, received, -1);
        };
        CompletableFuture<HttpResponse<Long>> future = client().sendAsync(request, handler);
        HttpResponse<Long> response;
        try {
            response = future.get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new UpgradeException(Kind.UNAVAILABLE, "downloading the " + what + " from " + uri
                    + " timed out after " + seconds(requestTimeout) + " (" + received.get() + " bytes received)");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new UpgradeException(Kind.UNAVAILABLE, "downloading the " + what + " from " + uri
                    + " was interrupted");
        } catch (ExecutionException e) {
            throw failure(e.getCause(), uri, what, limit, received.get());
        }
        int status = response.statusCode();
        if (status == 404 || status == 410) {
            throw new UpgradeException(Kind.UNAVAILABLE, what + " is missing: " + uri + " answered HTTP " + status
                    + ifMissing);
        }
        if (status != 200) {
            throw new UpgradeException(Kind.UNAVAILABLE, "downloading the " + what + " from " + uri
                    + " failed: HTTP " + status);
        }
        return response.body();
    }

    private UpgradeException failure(Throwable cause, URI uri, String what, long limit, long received) {
        if (cause instanceof TooLarge) {
            TooLarge t = (TooLarge) cause;
            return new UpgradeException(Kind.REJECTED, "the " + what + " at " + uri + " is larger than the limit of "
                    + FileOps.size(limit) + (t.declared >= 0
                            ? " (Content-Length " + t.declared + ")"
                            : " (more than " + limit + " bytes arrived)"));
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return new UpgradeException(Kind.UNAVAILABLE, "downloading the " + what + ": could not connect to "
                    + uri.getAuthority() + " in time: " + cause.getMessage(), cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new UpgradeException(Kind.UNAVAILABLE, "downloading the " + what + " from " + uri
                    + " timed out after " + seconds(requestTimeout), cause);
        }
        if (cause instanceof ConnectException) {
            return new UpgradeException(Kind.UNAVAILABLE, "downloading the " + what + ": could not connect to "
                    + uri.getAuthority() + ": " + describe(cause), cause);
        }
        if (cause instanceof IOException && received > 0) {
            return new UpgradeException(Kind.UNAVAILABLE, "downloading the " + what + " from " + uri
                    + " was cut short after " + received + " bytes: " + describe(cause), cause);
        }
        if (cause instanceof IOException) {
            return new UpgradeException(Kind.UNAVAILABLE, "downloading the " + what + " from " + uri + " failed: "
                    + describe(cause), cause);
        }
        return new UpgradeException(Kind.HOST, "downloading the " + what + " from " + uri + " failed: " + cause,
                cause);
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static boolean isHttp(URI uri) {
        String scheme = uri.getScheme();
        return scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"));
    }

    private static Duration requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
        return d;
    }

    /** The body grew past the limit, or its declared length is over it. */
    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        final long declared;

        TooLarge(long declared) {
            super("body larger than the limit");
            this.declared = declared;
        }
    }

    /** Streams a body into a sink, one buffer list at a time, and stops as soon as it is too long. */
    private static final class LimitedBody implements BodySubscriber<Long> {
        private final Sink sink;
        private final long limit;
        private final AtomicLong received;
        private final long declaredTooLarge;
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        LimitedBody(Sink sink, long limit, AtomicLong received, long declaredTooLarge) {
            this.sink = sink;
            this.limit = limit;
            this.received = received;
            this.declaredTooLarge = declaredTooLarge;
        }

        @Override
        public CompletableFuture<Long> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declaredTooLarge >= 0) {
                s.cancel();
                result.completeExceptionally(new TooLarge(declaredTooLarge));
                return;
            }
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            try {
                for (ByteBuffer buf : items) {
                    if (received.addAndGet(buf.remaining()) > limit) {
                        subscription.cancel();
                        result.completeExceptionally(new TooLarge(-1));
                        return;
                    }
                    sink.write(buf);
                }
            } catch (IOException | RuntimeException e) {
                subscription.cancel();
                result.completeExceptionally(e);
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(received.get());
        }
    }
}
