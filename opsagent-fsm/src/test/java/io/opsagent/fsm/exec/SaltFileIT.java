package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code linux.file} through real Salt, and the same end state as the built-in executor. */
class SaltFileIT extends RealSaltBase {

    @Test
    void firstRunWritesSecondRunIsUnchangedDryRunOnlyReportsAndAMissingParentFails() throws Exception {
        Path f = tmp.resolve("motd");
        JsonObject p = params("path", f, "content", "hello\n", "mode", "0640");

        StateResult first = salt("linux.file", p);
        StateResult second = salt("linux.file", p);
        StateResult dry = saltDryRun("linux.file", params("path", f, "content", "bye\n", "mode", "0640"));
        StateResult missingParent = salt("linux.file", params("path", tmp.resolve("no/such/dir/f"), "content", "x"));

        assertChanged(first);
        assertUnchanged(second);
        assertChanged(dry);
        assertThat(Files.readString(f)).isEqualTo("hello\n");
        assertThat(mode(f)).isEqualTo("640");
        assertFailed(missingParent);
        assertThat(missingParent.comment()).contains("Parent directory not present");
    }

    @Test
    void aChangedModeIsNamedInTheComment() throws Exception {
        Path f = tmp.resolve("conf");
        Files.writeString(f, "x=1\n");
        Files.setAttribute(f, "unix:mode", 0666);

        StateResult dry = saltDryRun("linux.file", params("path", f, "content", "x=1\n"));
        StateResult r = salt("linux.file", params("path", f, "content", "x=1\n"));

        assertChanged(dry);
        assertThat(dry.comment()).contains("mode 0644");
        assertChanged(r);
        assertThat(r.comment()).contains("mode 0644");
        assertThat(mode(f)).isEqualTo("644");
    }

    @Test
    void aContentChangeIsSummarisedInTheComment() throws Exception {
        Path f = tmp.resolve("conf");
        Files.writeString(f, "a\nb\n");
        Files.setAttribute(f, "unix:mode", 0644);

        StateResult r = salt("linux.file", params("path", f, "content", "a\nc\nd\n"));

        assertChanged(r);
        assertThat(r.comment()).contains("content (+2 -1 lines)");
    }

    @ParameterizedTest(name = "content {0}")
    @ValueSource(strings = {"a\n\n", "a\r\nb\r\n", "x\fy", "no trailing newline", "\n", "tab\there \u00e9\n"})
    void contentArrivesByteForByteAndSettles(String content) throws Exception {
        Path viaSalt = tmp.resolve("salt");
        Path viaBuiltin = tmp.resolve("builtin");
        Files.writeString(viaSalt, "old\n");
        Files.setAttribute(viaSalt, "unix:mode", 0644);

        StateResult first = salt("linux.file", params("path", viaSalt, "content", content));
        StateResult second = salt("linux.file", params("path", viaSalt, "content", content));
        builtin("linux.file", params("path", viaBuiltin, "content", content));

        assertChanged(first);
        assertUnchanged(second);
        assertThat(Files.readAllBytes(viaSalt)).isEqualTo(content.getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readAllBytes(viaBuiltin)).isEqualTo(Files.readAllBytes(viaSalt));
    }

    /** An empty {@code content} is no content (the backend sends "" for an unset field): both executors agree. */
    @Test
    void emptyContentCreatesAnEmptyFileAndLeavesAnExistingOneAlone() throws Exception {
        Path created = tmp.resolve("created");
        Path existing = tmp.resolve("existing");
        Files.writeString(existing, "kept\n");
        Files.setAttribute(existing, "unix:mode", 0644);

        StateResult create = salt("linux.file", params("path", created, "content", ""));
        StateResult keep = salt("linux.file", params("path", existing, "content", ""));
        StateResult builtinKeep = builtin("linux.file", params("path", existing, "content", ""));

        assertChanged(create);
        assertThat(Files.readAllBytes(created)).isEmpty();
        assertUnchanged(keep);
        assertUnchanged(builtinKeep);
        assertThat(Files.readString(existing)).isEqualTo("kept\n");
    }

    @Test
    void aRemoteSourceThatCannotBeDownloadedFailsWithTheAddressAndStatus() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try {
            String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/missing";
            Path f = tmp.resolve("f");

            StateResult r = salt("linux.file", params("path", f, "remote_uri", uri));

            assertFailed(r);
            assertThat(r.comment()).contains("could not download " + uri + ": HTTP status 404");
            assertThat(f).doesNotExist();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aChangedRemoteSourceIsSeenInADryRunAndApplied() throws Exception {
        AtomicReference<String> body = new AtomicReference<>("version 1\n");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/conf", exchange -> {
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        try {
            Path f = tmp.resolve("remote.conf");
            JsonObject p = params("path", f, "remote_uri",
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/conf", "mode", "0600");

            StateResult first = salt("linux.file", p);
            StateResult unchanged = salt("linux.file", p);
            body.set("version 2\n");
            StateResult dry = saltDryRun("linux.file", p);
            String afterDryRun = Files.readString(f);
            StateResult applied = salt("linux.file", p);

            assertChanged(first);
            assertUnchanged(unchanged);
            assertChanged(dry);
            assertThat(afterDryRun).isEqualTo("version 1\n");
            assertChanged(applied);
            assertThat(Files.readString(f)).isEqualTo("version 2\n");
            assertThat(mode(f)).isEqualTo("600");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void absentRemovesTheFileOnceAndLeavesTheSameEndStateAsTheBuiltinExecutor() throws Exception {
        Path viaSalt = Files.createDirectory(tmp.resolve("salt"));
        Path viaBuiltin = Files.createDirectory(tmp.resolve("builtin"));
        for (Path root : new Path[] {viaSalt, viaBuiltin}) {
            Files.writeString(root.resolve("keep"), "old\n");
            Files.setAttribute(root.resolve("keep"), "unix:mode", 0666);
            Files.writeString(root.resolve("gone"), "x");
        }

        StateResult write = salt("linux.file", params("path", viaSalt.resolve("keep"), "content", "new\n", "mode", "0600"));
        StateResult fresh = salt("linux.file", params("path", viaSalt.resolve("fresh")));
        StateResult remove = salt("linux.file", params("path", viaSalt.resolve("gone"), "absent", true));
        StateResult removeAgain = salt("linux.file", params("path", viaSalt.resolve("gone"), "absent", true));
        builtin("linux.file", params("path", viaBuiltin.resolve("keep"), "content", "new\n", "mode", "0600"));
        builtin("linux.file", params("path", viaBuiltin.resolve("fresh")));
        builtin("linux.file", params("path", viaBuiltin.resolve("gone"), "absent", true));

        assertChanged(write);
        assertChanged(fresh);
        assertChanged(remove);
        assertUnchanged(removeAgain);
        assertThat(describe(viaSalt)).isEqualTo(describe(viaBuiltin));
    }
}
