package io.opsagent.launcher.upgrade;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A release bucket on loopback: serves files by path, or misbehaves on purpose. */
final class ReleaseServer implements AutoCloseable {

    private sealed interface Answer permits Body, Status, Truncated, Chunked, Stall { }

    private record Body(byte[] data) implements Answer { }

    private record Status(int code) implements Answer { }

    /** Declares the full length, sends only the first {@code sent} bytes, and closes. */
    private record Truncated(byte[] data, int sent) implements Answer { }

    /** Sends the body without a Content-Length. */
    private record Chunked(byte[] data) implements Answer { }

    /** Sends headers, then nothing until the server closes. */
    private record Stall() implements Answer { }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    ReleaseServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:40123/opsagent}, to use as {@code base_remote}. */
    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/opsagent");
    }

    ReleaseServer put(String path, byte[] data) {
        answers.put(path, new Body(data));
        return this;
    }

    ReleaseServer status(String path, int code) {
        answers.put(path, new Status(code));
        return this;
    }

    ReleaseServer truncated(String path, byte[] data, int sent) {
        answers.put(path, new Truncated(data, sent));
        return this;
    }

    ReleaseServer chunked(String path, byte[] data) {
        answers.put(path, new Chunked(data));
        return this;
    }

    ReleaseServer stall(String path) {
        answers.put(path, new Stall());
        return this;
    }

    ReleaseServer remove(String path) {
        answers.remove(path);
        return this;
    }

    /** The paths requested so far, in order. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(path);
        Answer answer = answers.getOrDefault(path, new Status(404));
        try (exchange) {
            if (answer instanceof Body b) {
                exchange.sendResponseHeaders(200, b.data().length == 0 ? -1 : b.data().length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(b.data());
                }
            } else if (answer instanceof Status s) {
                exchange.sendResponseHeaders(s.code(), -1);
            } else if (answer instanceof Truncated t) {
                exchange.sendResponseHeaders(200, t.data().length);
                OutputStream out = exchange.getResponseBody();
                out.write(t.data(), 0, t.sent());
                out.flush();
                // Closing the exchange here with bytes missing makes the server drop the connection.
            } else if (answer instanceof Chunked c) {
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(c.data());
                }
            } else {
                exchange.sendResponseHeaders(200, 1_000_000);
                exchange.getResponseBody().flush();
                closing.await(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away; nothing to do.
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
