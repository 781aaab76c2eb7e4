package io.opsagent.fsm.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback between an agent and its backend that can, on command, cut every open
 * connection with a reset, or stall them: keep the sockets open and forward nothing (a
 * half-open connection, as when a peer vanishes without a FIN).
 */
final class FaultProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final List<Link> links = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;

    FaultProxy(URI backend) throws IOException {
        upstream = new InetSocketAddress(backend.getHost(), backend.getPort());
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI url(String path) {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort() + path);
    }

    int accepted() {
        return accepted.get();
    }

    /** Resets every open connection (RST, no FIN handshake); returns how many there were. */
    synchronized int cutAll() {
        int cut = links.size();
        for (Link link : links) {
            link.reset();
        }
        links.clear();
        return cut;
    }

    /** Stops forwarding on every open connection but keeps its sockets open: half-open. */
    synchronized void stallAll() {
        for (Link link : links) {
            link.stalled = true;
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket backend = new Socket();
                backend.connect(upstream, 2_000);
                client.setTcpNoDelay(true);
                backend.setTcpNoDelay(true);
                Link link = new Link(client, backend);
                synchronized (this) {
                    links.add(link);
                }
                accepted.incrementAndGet();
                link.start();
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        cutAll();
    }

    /** One proxied connection: two pumps. */
    private static final class Link {
        final Socket client;
        final Socket backend;
        volatile boolean stalled;

        Link(Socket client, Socket backend) {
            this.client = client;
            this.backend = backend;
        }

        void start() {
            pump(client, backend, "up");
            pump(backend, client, "down");
        }

        private void pump(Socket from, Socket to, String name) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[16 * 1024];
                try (InputStream in = from.getInputStream()) {
                    OutputStream out = to.getOutputStream();
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        if (!stalled) {
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    }
                } catch (IOException e) {
                    // the link was cut
                }
                if (!stalled) {
                    reset();
                }
            }, "fault-proxy-" + name);
            t.setDaemon(true);
            t.start();
        }

        void reset() {
            for (Socket s : new Socket[] {client, backend}) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (SocketException e) {
                    // already closed
                } catch (IOException e) {
                    // already closed
                }
            }
        }
    }
}
