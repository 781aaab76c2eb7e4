package io.opsagent.fsm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.spi.StateExecution;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wss:// verifies the certificate chain and the host name; a CA file replaces the system's trust. */
@Tag("slow")
class TlsTest {

    @TempDir
    Path dir;

    private final AtomicInteger messages = new AtomicInteger();
    private MockWebServer server;
    private Path caFile;
    private OpsAgent agent;

    @BeforeEach
    void startServer() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("test ca").build();
        HeldCertificate serverCert = new HeldCertificate.Builder()
                .signedBy(ca)
                .addSubjectAlternativeName("localhost")
                .build();
        HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
                .heldCertificate(serverCert, ca.certificate())
                .build();
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.certificatePem());

        server = new MockWebServer();
        server.useHttps(serverCerts.sslSocketFactory());
        server.setDispatcher(FrameCountingDispatcher.countingInto(messages));
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        server.close();
    }

    private OpsAgent connect(String host, Path ca) {
        ConnectionSettings.Builder settings =
                ConnectionSettings.builder(URI.create("wss://" + host + ":" + server.getPort() + "/agent/"))
                        .reconnect(Duration.ofSeconds(30), Duration.ofSeconds(60));
        if (ca != null) {
            settings.caFile(ca);
        }
        agent = OpsAgent.builder()
                .identity(new AgentIdentity("i", "a", "v", "t"))
                .executor((r, c) -> StateExecution.NONE)
                .connection(settings.build())
                .build();
        agent.start();
        return agent;
    }

    @Test
    void certificateFromTheConfiguredCaForTheRightHostIsAccepted() {
        OpsAgent a = connect("localhost", caFile);
        // The agent sends its Handshake, then counts itself online: the backend may see it first.
        Await.until(() -> a.connectionState() == ConnectionState.ONLINE, "the agent online");
        Await.until(() -> messages.get() == 1, "the Handshake over TLS");
    }

    @Test
    void certificateThatDoesNotMatchTheHostNameIsRefused() {
        OpsAgent a = connect("127.0.0.1", caFile);
        Await.until(() -> a.connectionState() == ConnectionState.BACKING_OFF, "the refused connection");
        assertThat(messages.get()).isZero();
    }

    @Test
    void certificateFromAnUnknownCaIsRefused() {
        OpsAgent a = connect("localhost", null);
        Await.until(() -> a.connectionState() == ConnectionState.BACKING_OFF, "the refused connection");
        assertThat(messages.get()).isZero();
    }

    @Test
    void aMissingCaFileIsNamedAsMissing() {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> connect("localhost", missing)).isInstanceOf(OpsAgentException.class)
                .hasMessage("CA file " + missing + ": no such file");
    }

    @Test
    void aKeyGivenAsTheCaFileIsNamedAsNotACertificate() throws Exception {
        Path key = dir.resolve("client.key");
        Files.writeString(key, new HeldCertificate.Builder().build().privateKeyPkcs8Pem());
        assertThatThrownBy(() -> connect("localhost", key)).isInstanceOf(OpsAgentException.class)
                .hasMessage("CA file " + key + " holds no PEM certificate (-----BEGIN CERTIFICATE-----); it starts with"
                        + " -----BEGIN PRIVATE KEY-----, which is not a CA certificate");
    }
}
