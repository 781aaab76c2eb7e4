package io.opsagent.fsm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;
import mockwebserver3.MockWebServer;
import okhttp3.WebSocket;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding example of docs/connection.md ("Settings for an embedder"), run as written: its
 * agent reaches a backend that requires mutual TLS, directly, over a socket of the embedder's
 * factory. The page quotes the snippet; {@link #theDocQuotesTheSnippet} checks it does.
 */
@Tag("slow")
class EmbeddingConnectionExampleTest {

    @TempDir
    Path dir;

    @Test
    void theExampleConnectsWithMutualTlsThroughTheEmbeddersSocketFactory() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("example ca").build();
        AtomicInteger frames = new AtomicInteger();
        try (MockWebServer server = mutualTlsBackend(ca, frames)) {
            URI backendUrl = URI.create("wss://localhost:" + server.getPort() + "/agent/");
            Path caPem = write("ca.pem", ca.certificatePem());
            HeldCertificate client = new HeldCertificate.Builder().signedBy(ca).commonName("host-1").build();
            Path clientPem = write("client.pem", client.certificatePem() + ca.certificatePem());
            Path clientKey = write("client.key", client.privateKeyPkcs8Pem());
            CountingSocketFactory sockets = new CountingSocketFactory();
            AgentIdentity identity = new AgentIdentity("i-0abc", "app-1", "1.0.0", "token");
            StateExecutor executor = (request, callback) -> StateExecution.NONE;

            // snippet: embedding-connection
            ConnectionSettings connection = ConnectionSettings.builder(backendUrl)
                    .caFile(caPem)                              // trust this CA (PEM) instead of the system's
                    .clientCertificatePem(clientPem, clientKey) // mutual TLS: certificate and chain, PKCS#8 key
                    .proxy(Proxy.NO_PROXY)                      // directly, whatever the JVM's proxy settings say
                    .socketFactory(sockets)                     // the plain sockets under TLS come from here
                    .build();
            OpsAgent agent = OpsAgent.builder()
                    .identity(identity)
                    .executor(executor)
                    .connection(connection)
                    .build();
            agent.start();
            // end snippet

            try {
                Await.until(() -> agent.connectionState() == ConnectionState.ONLINE, "the agent online");
                Await.until(() -> frames.get() >= 1, "the Handshake over mutual TLS");
                assertThat(sockets.made.get()).as("sockets made by the embedder's factory").isEqualTo(1);
            } finally {
                agent.close();
            }
        }
    }

    @Test
    void anHttpProxyIsTakenAndASocksProxyIsRefusedWhenBuilt() {
        Proxy http = new Proxy(Proxy.Type.HTTP, new InetSocketAddress("proxy.internal", 3128));
        assertThat(ConnectionSettings.builder(URI.create("wss://backend.example/agent/")).proxy(http).build().proxy())
                .isEqualTo(http);

        Proxy socks = new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("proxy.internal", 1080));
        assertThatThrownBy(() -> ConnectionSettings.builder(URI.create("wss://backend.example/agent/"))
                .proxy(socks).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("a SOCKS proxy is not supported");
    }

    @Test
    void theDocQuotesTheSnippet() throws IOException {
        String test = Files.readString(Path.of("src/test/java/io/opsagent/fsm/transport/EmbeddingConnectionExampleTest.java"),
                StandardCharsets.UTF_8);
        String doc = Files.readString(Path.of("../docs/connection.md"), StandardCharsets.UTF_8);
        String marker = "// snippet: embedding-connection\n";
        int start = test.indexOf(marker);
        int end = test.indexOf("            // end snippet", start);
        assertThat(start).isPositive();
        String snippet = test.substring(start + marker.length(), end)
                .lines().map(l -> l.substring(Math.min(12, l.length()))).reduce("", (a, b) -> a + b + "\n");

        assertThat(doc).contains("```java\n" + snippet + "```");
    }

    // ------------------------------------------------------------------ helpers

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /** A WebSocket backend on loopback that only talks to clients with a certificate from {@code ca}. */
    private static MockWebServer mutualTlsBackend(HeldCertificate ca, AtomicInteger frames) throws IOException {
        HeldCertificate serverCert = new HeldCertificate.Builder().signedBy(ca).addSubjectAlternativeName("localhost")
                .build();
        HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
                .heldCertificate(serverCert, ca.certificate())
                .addTrustedCertificate(ca.certificate())
                .build();
        MockWebServer server = new MockWebServer();
        server.useHttps(serverCerts.sslSocketFactory());
        server.requireClientAuth();
        server.setDispatcher(FrameCountingDispatcher.countingInto(frames));
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        return server;
    }

    /** The JDK's plain sockets, counted. */
    private static final class CountingSocketFactory extends SocketFactory {
        final AtomicInteger made = new AtomicInteger();

        @Override
        public Socket createSocket() {
            made.incrementAndGet();
            return new Socket();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            made.incrementAndGet();
            return new Socket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            made.incrementAndGet();
            return new Socket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            made.incrementAndGet();
            return new Socket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            made.incrementAndGet();
            return new Socket(address, port, localAddress, localPort);
        }
    }
}
