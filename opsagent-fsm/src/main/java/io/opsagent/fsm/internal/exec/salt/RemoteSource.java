package io.opsagent.fsm.internal.exec.salt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Downloads a {@code linux.file} {@code remote_uri} into the private file root, with the
 * original agent's limit of 600 s for the whole download. Redirects are followed; any status
 * other than 2xx is an error that names the address and the status.
 */
final class RemoteSource {

    /** The original agent's limit for downloading a {@code remote_uri}. */
    static final Duration LIMIT = Duration.ofSeconds(600);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    private RemoteSource() {
    }

    /** Writes what {@code address} serves into {@code target}, which exists (empty, private). */
    static void download(URI address, Path target) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(address).timeout(LIMIT).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + address, e);
        } catch (IOException e) {
            throw new IOException("could not download " + address + ": " + e, e);
        }
        try (InputStream in = response.body()) {
            if (response.statusCode() / 100 != 2) {
                throw new IOException("could not download " + address + ": HTTP status " + response.statusCode());
            }
            try (OutputStream out = Files.newOutputStream(target)) {
                in.transferTo(out);
            }
        }
    }
}
