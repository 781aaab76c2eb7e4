package io.opsagent.fsm.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.SingleThreadEventLoop;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.backend.ReferenceBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.SocketFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The connection turns Nagle's algorithm off: the agent writes small frames back to back (two
 * StateLogs, a Handshake and its WaitQuery), and with Nagle on the second one waits for the
 * backend's delayed acknowledgement of the first (40 ms on Linux; measured by
 * {@code opsagent-tck bench}, see docs/benchmarks.md).
 */
@Tag("slow")
class TcpNoDelayTest {

    /** Makes plain sockets, Nagle on as the JDK's default, and remembers them. */
    private static final class RecordingFactory extends SocketFactory {
        final List<Socket> made = new CopyOnWriteArrayList<>();

        private Socket made(Socket socket) {
            made.add(socket);
            return socket;
        }

        @Override
        public Socket createSocket() {
            return made(new Socket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return made(new Socket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return made(new Socket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return made(new Socket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return made(new Socket(address, port, localAddress, localPort));
        }
    }

    @Test
    void theBackendConnectionsSocketHasTcpNoDelayEvenWithTheApplicationsOwnFactory() throws Exception {
        RecordingFactory factory = new RecordingFactory();
        SingleThreadEventLoop loop = new SingleThreadEventLoop("opsagent-loop-nodelay");
        try (ReferenceBackend backend = ReferenceBackend.builder().build().start()) {
            OpsAgent agent = OpsAgent.builder()
                    .identity(new AgentIdentity("i-nodelay", "app-nodelay", "test", "token"))
                    .executor((request, callback) -> StateExecution.NONE)
                    .eventLoop(loop)
                    .connection(ConnectionSettings.builder(backend.url()).socketFactory(factory).build())
                    .build();
            agent.start();
            try {
                backend.awaitHandshake(1, Duration.ofSeconds(10));
                assertThat(factory.made).as("sockets made through the application's factory").hasSize(1);
                assertThat(factory.made.get(0).getTcpNoDelay()).isTrue();
            } finally {
                agent.close();
                loop.execute(loop::shutdown);
                loop.awaitTermination(Duration.ofSeconds(10));
            }
        }
    }
}
