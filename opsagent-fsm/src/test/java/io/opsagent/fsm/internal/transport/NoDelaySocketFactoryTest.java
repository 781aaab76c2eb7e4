package io.opsagent.fsm.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import javax.net.SocketFactory;
import org.junit.jupiter.api.Test;

class NoDelaySocketFactoryTest {

    /** A factory that makes plain sockets and remembers them. */
    static final class Recording extends SocketFactory {
        final List<Socket> made = new ArrayList<>();

        @Override
        public Socket createSocket() {
            Socket socket = new Socket();
            made.add(socket);
            return socket;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket socket = new Socket(host, port);
            made.add(socket);
            return socket;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            Socket socket = new Socket(host, port, localHost, localPort);
            made.add(socket);
            return socket;
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            Socket socket = new Socket(host, port);
            made.add(socket);
            return socket;
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            Socket socket = new Socket(address, port, localAddress, localPort);
            made.add(socket);
            return socket;
        }
    }

    @Test
    void everySocketTheDelegateMakesHasNagleTurnedOff() throws IOException {
        Recording delegate = new Recording();
        NoDelaySocketFactory factory = new NoDelaySocketFactory(delegate);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 10, loopback);
                Socket unconnected = factory.createSocket();
                Socket byName = factory.createSocket(loopback.getHostAddress(), server.getLocalPort());
                Socket byAddress = factory.createSocket(loopback, server.getLocalPort());
                Socket byNameFromLocal = factory.createSocket(loopback.getHostAddress(), server.getLocalPort(),
                        loopback, 0);
                Socket byAddressFromLocal = factory.createSocket(loopback, server.getLocalPort(), loopback, 0)) {
            assertThat(delegate.made).containsExactly(unconnected, byName, byAddress, byNameFromLocal,
                    byAddressFromLocal);
            for (Socket socket : delegate.made) {
                assertThat(socket.getTcpNoDelay()).as("%s", socket).isTrue();
            }
        }
    }
}
