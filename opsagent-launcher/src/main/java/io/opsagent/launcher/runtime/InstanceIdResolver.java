package io.opsagent.launcher.runtime;

import io.opsagent.fsm.BackoffPolicy;
import io.opsagent.fsm.OpsAgentException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The instance id: the configured {@code [network] instance_id} when it is an id, or fetched from
 * the cloud metadata URL it names (only then is the metadata service asked). A fetch asks for an
 * IMDSv2 session token first ({@code PUT /latest/api/token}) and sends it with the request; a
 * service that gives no token (IMDSv1 only, another cloud) is asked without one. A fetch times
 * out after 2 s and is retried with a growing, jittered delay until it succeeds or the agent stops.
 * {@link #fetchOnce} makes one fetch, for diagnostics.
 */
public final class InstanceIdResolver {

    private static final Logger LOG = LogManager.getLogger(InstanceIdResolver.class);
    private static final BackoffPolicy RETRY = BackoffPolicy.fullJitter(Duration.ofSeconds(1), Duration.ofSeconds(60));
    private static final int MAX_ID_LENGTH = 256;

    /**
     * When this system property is {@code true}, no metadata URL is ever fetched: the build sets
     * it for every test, so that no test can reach a cloud metadata address by accident.
     */
    static final String DISABLED_PROPERTY = "opsagent.metadata.disabled";

    /** The IMDSv2 token path, on the metadata URL's host. */
    static final String TOKEN_PATH = "/latest/api/token";
    static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";
    static final String TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";

    private final CountDownLatch stopped;
    private final boolean honourDisabledProperty;
    private final Consumer<String> onProblem;
    private final Duration timeout;
    private volatile String lastProblem;
    /**
     * Made only when a URL must be fetched: building a JDK HTTP client sets up TLS (the system
     * trust store) and starts a selector thread, which an id written in the configuration never
     * needs.
     */
    private HttpClient client;

    /** {@code onProblem} is told why each failed fetch failed, before the wait for the next one. */
    InstanceIdResolver(CountDownLatch stopped, Consumer<String> onProblem) {
        this(stopped, true, onProblem);
    }

    /** With {@code honourDisabledProperty} false, for tests against a loopback metadata server only. */
    InstanceIdResolver(CountDownLatch stopped, boolean honourDisabledProperty) {
        this(stopped, honourDisabledProperty, problem -> { });
    }

    InstanceIdResolver(CountDownLatch stopped, boolean honourDisabledProperty, Consumer<String> onProblem) {
        this(stopped, honourDisabledProperty, onProblem, Duration.ofSeconds(2));
    }

    private InstanceIdResolver(CountDownLatch stopped, boolean honourDisabledProperty, Consumer<String> onProblem,
            Duration timeout) {
        this.stopped = stopped;
        this.honourDisabledProperty = honourDisabledProperty;
        this.onProblem = onProblem;
        this.timeout = timeout;
    }

    /**
     * One fetch of the id from the metadata URL {@code url} (IMDSv2, else v1), each request
     * bounded by {@code timeout}; nothing is retried.
     *
     * @throws IOException when the service cannot be reached
     * @throws OpsAgentException when it answers with an error or something that is not an id, or
     *     when metadata lookups are disabled
     */
    public static String fetchOnce(String url, Duration timeout) throws IOException, InterruptedException {
        return fetchOnce(url, timeout, true);
    }

    static String fetchOnce(String url, Duration timeout, boolean honourDisabledProperty)
            throws IOException, InterruptedException {
        InstanceIdResolver resolver = new InstanceIdResolver(new CountDownLatch(0), honourDisabledProperty,
                problem -> { }, timeout);
        resolver.checkEnabled(url);
        return resolver.fetch(URI.create(url));
    }

    private void checkEnabled(String configured) {
        if (honourDisabledProperty && Boolean.getBoolean(DISABLED_PROPERTY)) {
            throw new OpsAgentException("[network] instance_id names the metadata URL " + configured
                    + ", but metadata lookups are disabled (" + DISABLED_PROPERTY + "); set the instance id itself");
        }
    }

    /** Why the last fetch failed, while the id is still being fetched; null when none failed. */
    String lastProblem() {
        return lastProblem;
    }

    /** The id, or null when the agent was stopped before one could be fetched. */
    String resolve(String configured) throws InterruptedException {
        if (!configured.startsWith("http://") && !configured.startsWith("https://")) {
            return configured;
        }
        checkEnabled(configured);
        Random random = new Random();
        for (int attempt = 1; ; attempt++) {
            try {
                String id = fetch(URI.create(configured));
                lastProblem = null;
                return id;
            } catch (IOException | OpsAgentException e) {
                Duration delay = RETRY.delay(attempt, random);
                lastProblem = "cannot get the instance id from " + configured + ": " + e.getMessage() + " (attempt "
                        + attempt + ")";
                LOG.warn("cannot get the instance id from {} ({}); trying again in {} ms", configured, e.getMessage(),
                        delay.toMillis());
                onProblem.accept(lastProblem);
                if (stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                    return null;
                }
            }
        }
    }

    private String fetch(URI uri) throws IOException, InterruptedException {
        if (client == null) {
            client = HttpClient.newBuilder().connectTimeout(timeout).build();
        }
        String token = sessionToken(uri);
        HttpRequest.Builder get = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        if (token != null) {
            get.header(TOKEN_HEADER, token);
        }
        HttpResponse<String> response = client.send(get.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new OpsAgentException("HTTP " + response.statusCode() + (token == null && response.statusCode() == 401
                    ? " (the service wants an IMDSv2 token, and " + TOKEN_PATH + " gave none)" : ""));
        }
        String id = response.body().strip();
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH || id.contains("404 - Not Found")
                || !id.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new OpsAgentException("the answer is not an instance id");
        }
        return id;
    }

    /** An IMDSv2 session token from {@code uri}'s host, or null when it gives none (IMDSv1 only). */
    private String sessionToken(URI uri) throws IOException, InterruptedException {
        URI tokenUri = uri.resolve(TOKEN_PATH);
        HttpRequest put = HttpRequest.newBuilder(tokenUri).timeout(timeout)
                .header(TOKEN_TTL_HEADER, "21600")
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response = client.send(put, HttpResponse.BodyHandlers.ofString());
        String token = response.body().strip();
        if (response.statusCode() != 200 || token.isEmpty() || token.length() > MAX_ID_LENGTH * 4) {
            LOG.debug("no IMDSv2 token from {} (HTTP {}); asking without one", tokenUri, response.statusCode());
            return null;
        }
        return token;
    }
}
