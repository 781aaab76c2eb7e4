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
import java.util.function.Consumer;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backend that requires a client certificate accepts the one given as PEM files, and only that. */
@Tag("slow")
class MutualTlsTest {

    @TempDir
    Path dir;

    private final AtomicInteger messages = new AtomicInteger();
    private MockWebServer server;
    private HeldCertificate ca;
    private Path caFile;
    private OpsAgent agent;

    @BeforeEach
    void startServer() throws Exception {
        ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("test ca").build();
        HeldCertificate serverCert = new HeldCertificate.Builder().signedBy(ca).addSubjectAlternativeName("localhost")
                .build();
        HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
                .heldCertificate(serverCert, ca.certificate())
                .addTrustedCertificate(ca.certificate())
                .build();
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.certificatePem());

        server = new MockWebServer();
        server.useHttps(serverCerts.sslSocketFactory());
        server.requireClientAuth();
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

    private OpsAgent connect(Consumer<ConnectionSettings.Builder> tls) {
        ConnectionSettings.Builder settings =
                ConnectionSettings.builder(URI.create("wss://localhost:" + server.getPort() + "/agent/"))
                        .reconnect(Duration.ofSeconds(30), Duration.ofSeconds(60))
                        .caFile(caFile);
        tls.accept(settings);
        agent = OpsAgent.builder()
                .identity(new AgentIdentity("i", "a", "v", "t"))
                .executor((r, c) -> StateExecution.NONE)
                .connection(settings.build())
                .build();
        agent.start();
        return agent;
    }

    private Path[] clientFiles(HeldCertificate client) throws Exception {
        Path cert = dir.resolve("client.crt");
        Path key = dir.resolve("client.key");
        Files.writeString(cert, client.certificatePem() + ca.certificatePem());
        Files.writeString(key, client.privateKeyPkcs8Pem());
        return new Path[] {cert, key};
    }

    @Test
    void aPemClientCertificateSignedByTheTrustedCaIsAccepted() throws Exception {
        Path[] files = clientFiles(new HeldCertificate.Builder().signedBy(ca).commonName("host").build());
        OpsAgent a = connect(s -> s.clientCertificatePem(files[0], files[1]));
        // The agent sends its Handshake, then counts itself online: the backend may see it first.
        Await.until(() -> a.connectionState() == ConnectionState.ONLINE, "the agent online");
        Await.until(() -> messages.get() == 1, "the Handshake over mutual TLS");
    }

    @Test
    void anEcClientKeyIsAccepted() throws Exception {
        Path[] files = clientFiles(new HeldCertificate.Builder().signedBy(ca).ecdsa256().build());
        OpsAgent a = connect(s -> s.clientCertificatePem(files[0], files[1]));
        // The agent sends its Handshake, then counts itself online: the backend may see it first.
        Await.until(() -> a.connectionState() == ConnectionState.ONLINE, "the agent online");
        Await.until(() -> messages.get() == 1, "the Handshake over mutual TLS");
    }

    @Test
    void withoutAClientCertificateTheBackendRefuses() {
        OpsAgent a = connect(s -> { });
        Await.until(() -> a.connectionState() == ConnectionState.BACKING_OFF, "the refused connection");
        assertThat(messages.get()).isZero();
    }

    @Test
    void aCertificateGivenAsTheKeyIsNamedAsNotAKey() throws Exception {
        Path[] files = clientFiles(new HeldCertificate.Builder().signedBy(ca).build());
        assertThatThrownBy(() -> connect(s -> s.clientCertificatePem(files[0], files[0])))
                .isInstanceOf(OpsAgentException.class)
                .hasMessageStartingWith("client key " + files[0] + " holds no unencrypted PKCS#8 key");
    }

    @Test
    void aMissingCertificateFileIsNamedAsMissing() throws Exception {
        Path[] files = clientFiles(new HeldCertificate.Builder().signedBy(ca).build());
        Path missing = dir.resolve("nope.crt");
        assertThatThrownBy(() -> connect(s -> s.clientCertificatePem(missing, files[1])))
                .isInstanceOf(OpsAgentException.class)
                .hasMessage("client certificate " + missing + ": no such file");
    }

    @Test
    void aCertificateWithoutItsKeyIsRefusedWhenBuilt() {
        assertThatThrownBy(() -> ConnectionSettings.builder(URI.create("wss://localhost/"))
                .clientCertificatePem(dir.resolve("c.crt"), null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("both the certificate and the key");
    }
}
