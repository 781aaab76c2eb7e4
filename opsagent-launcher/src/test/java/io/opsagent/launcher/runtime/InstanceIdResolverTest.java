package io.opsagent.launcher.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The instance id from a loopback stand-in for the EC2 metadata service, IMDSv2 and v1. */
@Timeout(60)
class InstanceIdResolverTest {

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile boolean tokensOffered = true;
    private volatile boolean tokenRequired = true;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/latest/api/token", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " ttl="
                    + exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds"));
            if (tokensOffered && exchange.getRequestMethod().equals("PUT")) {
                answer(exchange, 200, "t0ken");
            } else {
                answer(exchange, 404, "not here");
            }
        });
        server.createContext("/latest/meta-data/instance-id", exchange -> {
            String token = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " token=" + token);
            if (tokenRequired && !"t0ken".equals(token)) {
                answer(exchange, 401, "");
            } else {
                answer(exchange, 200, "i-0123456789abcdef0\n");
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/latest/meta-data/instance-id";
    }

    @Test
    void fetchOnceAsksOnceWithImdsV2AndFailsWithoutRetrying() throws Exception {
        String id = InstanceIdResolver.fetchOnce(url(), java.time.Duration.ofSeconds(2), false);

        assertThat(id).isEqualTo("i-0123456789abcdef0");
        assertThat(requests).containsExactly("PUT /latest/api/token ttl=21600",
                "GET /latest/meta-data/instance-id token=t0ken");

        requests.clear();
        tokensOffered = false;
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> InstanceIdResolver.fetchOnce(url(), java.time.Duration.ofSeconds(2), false))
                .hasMessageContaining("HTTP 401");
        assertThat(requests).containsExactly("PUT /latest/api/token ttl=21600",
                "GET /latest/meta-data/instance-id token=null");
    }

    @Test
    void fetchOnceHonoursDisabledMetadataLookups() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> InstanceIdResolver.fetchOnce(url(), java.time.Duration.ofSeconds(2)))
                .hasMessageContaining("metadata lookups are disabled");
        assertThat(requests).isEmpty();
    }

    @Test
    void imdsV2AsksForASessionTokenAndSendsIt() throws Exception {
        String id = new InstanceIdResolver(new CountDownLatch(0), false).resolve(url());

        assertThat(id).isEqualTo("i-0123456789abcdef0");
        assertThat(requests).containsExactly("PUT /latest/api/token ttl=21600",
                "GET /latest/meta-data/instance-id token=t0ken");
    }

    @Test
    void aServiceWithoutTokensIsAskedWithoutOne() throws Exception {
        tokensOffered = false;
        tokenRequired = false;

        String id = new InstanceIdResolver(new CountDownLatch(0), false).resolve(url());

        assertThat(id).isEqualTo("i-0123456789abcdef0");
        assertThat(requests).containsExactly("PUT /latest/api/token ttl=21600",
                "GET /latest/meta-data/instance-id token=null");
    }

    @Test
    void eachFailedFetchIsReportedBeforeTheWaitForTheNext() throws Exception {
        tokensOffered = false;
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        InstanceIdResolver resolver = new InstanceIdResolver(stopped, false, problem -> {
            problems.add(problem);
            stopped.countDown();
        });

        assertThat(resolver.resolve(url())).isNull();
        assertThat(problems).containsExactly(resolver.lastProblem());
        assertThat(problems.get(0)).startsWith("cannot get the instance id from " + url() + ": HTTP 401");
    }

    @Test
    void aRefusedFetchIsKeptAsTheProblemUntilTheAgentStops() throws Exception {
        tokensOffered = false;
        CountDownLatch stopped = new CountDownLatch(1);
        InstanceIdResolver resolver = new InstanceIdResolver(stopped, false);
        java.util.concurrent.CompletableFuture<String> id = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return resolver.resolve(url());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        while (resolver.lastProblem() == null && !id.isDone()) {
            Thread.onSpinWait();
        }
        stopped.countDown();

        assertThat(id.get(30, TimeUnit.SECONDS)).isNull();
        assertThat(resolver.lastProblem()).startsWith("cannot get the instance id from " + url() + ": HTTP 401 (the"
                + " service wants an IMDSv2 token, and /latest/api/token gave none) (attempt 1)");
    }
}
