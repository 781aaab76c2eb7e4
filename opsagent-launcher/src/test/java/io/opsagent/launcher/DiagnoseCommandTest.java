package io.opsagent.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import io.opsagent.launcher.diagnose.DiagnosisReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code opsagent diagnose} as a user runs it, against the reference backend on loopback. */
@Tag("slow")
class DiagnoseCommandTest {

    private static final List<String> CHECKS = List.of("configuration", "token file", "instance id", "DNS", "TCP",
            "TLS", "WebSocket upgrade", "Handshake", "salt-call", "disk space");

    /** The marks diagnose prints here: check marks, or ASCII where the console's charset has none. */
    private static final List<String> MARKS = DiagnosisReport.consoleMarks();
    private static final String PASS = MARKS.get(0);
    private static final String FAIL = MARKS.get(1);

    @TempDir
    Path root;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private ReferenceBackend backend;

    @AfterEach
    void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    private int diagnose(String... extra) {
        String[] args = new String[extra.length + 3];
        args[0] = "diagnose";
        args[1] = "--root";
        args[2] = root.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        Launcher launcher = new Launcher(() -> {
            throw new AssertionError("diagnose needs no agent runtime");
        }, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new FakeShutdownHooks(), Clock.systemUTC());
        return launcher.execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private ReferenceBackend backend(boolean answers) throws IOException {
        ReferenceBackend.Builder builder = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0);
        if (answers) {
            builder.recipeOnHandshake(Recipe.version(1).build());
        }
        backend = builder.build().start();
        return backend;
    }

    private void config(String wsUri, String extra) throws IOException {
        Path file = root.resolve("etc/opsagent.conf");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "[userdata]\nws_uri = " + wsUri + "\napp_id = app-1\n"
                + "[network]\ninstance_id = i-0123456789abcdef0\n" + extra
                + (extra.contains("[executor]") ? "" : "[executor]\nkind = native\n"));
        token("rw-------");
    }

    private void token(String mode) throws IOException {
        Path token = root.resolve("etc/opsagent.token");
        Files.writeString(token, "secret-token");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString(mode));
    }

    /** The line of the check named {@code name}, with its fix line when it has one. */
    private String line(String name) {
        List<String> lines = out().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("[" + java.util.regex.Pattern.quote(String.join("", MARKS)) + "] " + java.util.regex.Pattern.quote(name) + " +.*")) {
                boolean fix = i + 1 < lines.size() && lines.get(i + 1).trim().startsWith("fix: ");
                return lines.get(i) + (fix ? "\n" + lines.get(i + 1) : "");
            }
        }
        throw new AssertionError("no line for " + name + " in:\n" + out());
    }

    @Test
    void everyCheckPassesAgainstAnAnsweringBackendAndTheExitCodeIsZero() throws IOException {
        config(backend(true).url().toString(), "");

        int code = diagnose();

        assertThat(code).as(out()).isZero();
        for (String name : CHECKS) {
            assertThat(line(name)).startsWith(PASS + " " + name);
        }
        assertThat(line("Handshake")).contains("answered with RecipeMetadata");
        assertThat(line("DNS")).contains("127.0.0.1");
        assertThat(out()).endsWith("all 10 checks passed\n").doesNotContain("fix:");
        assertThat(backend.handshakes()).hasSize(1);
        assertThat(backend.handshakes().get(0).json().get("instance_token").getAsString()).isEqualTo("secret-token");
    }

    @Test
    void jsonCarriesTheSameChecks() throws IOException {
        config(backend(true).url().toString(), "");
        assertThat(diagnose()).isZero();
        String text = out();
        out.reset();

        int code = diagnose("--json");

        assertThat(code).isZero();
        JsonObject json = JsonParser.parseString(out()).getAsJsonObject();
        assertThat(json.get("ok").getAsBoolean()).isTrue();
        JsonArray checks = json.getAsJsonArray("checks");
        assertThat(checks).hasSize(CHECKS.size());
        for (int i = 0; i < checks.size(); i++) {
            JsonObject check = checks.get(i).getAsJsonObject();
            assertThat(check.get("name").getAsString()).isEqualTo(CHECKS.get(i));
            assertThat(check.get("result").getAsString()).isEqualTo("pass");
            assertThat(check.get("fix").isJsonNull()).isTrue();
            assertThat(text).contains(check.get("name").getAsString());
        }
    }

    @Test
    void aRefusedPortFailsTheTcpCheckWithItsFix() throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        config("ws://127.0.0.1:" + port + "/agent/", "");

        int code = diagnose("--json");

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        JsonObject json = JsonParser.parseString(out()).getAsJsonObject();
        assertThat(json.get("ok").getAsBoolean()).isFalse();
        JsonObject tcp = check(json, "TCP");
        assertThat(tcp.get("result").getAsString()).isEqualTo("fail");
        assertThat(tcp.get("detail").getAsString()).contains("cannot connect to 127.0.0.1 port " + port);
        assertThat(tcp.get("fix").getAsString()).contains("listens on port " + port);
        assertThat(check(json, "Handshake").get("result").getAsString()).isEqualTo("skip");
        assertThat(check(json, "token file").get("result").getAsString()).isEqualTo("pass");
    }

    @Test
    void anUntrustedCertificateFailsTlsWithTheCaFileHint() throws Exception {
        HeldCertificate selfSigned = new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1")
                .commonName("127.0.0.1").build();
        HandshakeCertificates server = new HandshakeCertificates.Builder().heldCertificate(selfSigned).build();
        backend = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0)
                .recipeOnHandshake(Recipe.version(1).build()).tls(server.sslContext()).build().start();
        String url = backend.url().toString();
        assertThat(url).startsWith("wss://");
        config(url, "");

        int code = diagnose();

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(line("TLS")).startsWith(FAIL + " TLS").contains("not trusted").contains("fix: set [network] ca_file");
        assertThat(line("WebSocket upgrade")).startsWith("- WebSocket upgrade");

        // The same backend passes once its certificate is trusted through ca_file.
        Path ca = root.resolve("ca.pem");
        Files.writeString(ca, selfSigned.certificatePem());
        config(url, "ca_file = " + ca + "\n");
        out.reset();

        assertThat(diagnose()).as(out()).isZero();
        assertThat(line("TLS")).startsWith(PASS + " TLS").contains("CA file " + ca);
    }

    @Test
    void aBackendThatDoesNotAnswerTheHandshakeFailsIt() throws IOException {
        config(backend(false).url().toString(), "");

        int code = diagnose("--timeout", "1s");

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(line("WebSocket upgrade")).startsWith(PASS + " WebSocket upgrade");
        assertThat(line("Handshake")).startsWith(FAIL + " Handshake").contains("no answer to the Handshake within 1000 ms")
                .contains("fix: ");
        assertThat(backend.handshakes()).hasSize(1);
    }

    @Test
    void anAppNotReadyAnswerPassesWithANote() throws IOException {
        backend = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0).appNotReadyReplies(1)
                .build().start();
        config(backend.url().toString(), "");

        int code = diagnose();

        assertThat(code).as(out()).isZero();
        assertThat(line("Handshake")).startsWith(PASS + " Handshake").contains("answered with AppNotReady")
                .contains("the app is not ready yet");
    }

    @Test
    void aTokenFileOpenToOthersFailsWithTheChmodFix() throws IOException {
        config(backend(true).url().toString(), "");
        token("rw-r--r--");
        Path file = root.resolve("etc/opsagent.token");

        int code = diagnose();

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(line("token file")).startsWith(FAIL + " token file").contains("has mode 0644")
                .contains("fix: chmod 600 " + file);
        assertThat(line("Handshake")).startsWith("- Handshake").contains("needs the token file");
        assertThat(backend.handshakes()).isEmpty();
    }

    @Test
    void aMissingSaltCallFailsWhenTheExecutorIsSalt() throws IOException {
        Path missing = root.resolve("no-salt/salt-call");
        config(backend(true).url().toString(), "[executor]\nkind = salt\n[salt]\nsalt_call = " + missing + "\n");

        int code = diagnose();

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(line("salt-call")).startsWith(FAIL + " salt-call").contains(missing + ": missing or not executable")
                .contains("fix: install Salt");
        assertThat(out()).endsWith("1 of 10 checks failed\n");
    }

    @Test
    void saltCallsVersionIsShownWhenItIsFound() throws IOException {
        Path saltCall = root.resolve("salt/salt-call");
        Files.createDirectories(saltCall.getParent());
        Files.writeString(saltCall, "#!/bin/sh\necho 'salt-call 3007.0 (Chlorine)'\n");
        Files.setPosixFilePermissions(saltCall, PosixFilePermissions.fromString("rwxr-xr-x"));
        config(backend(true).url().toString(), "[executor]\nkind = auto\n[salt]\nsalt_call = " + saltCall + "\n");

        int code = diagnose();

        assertThat(code).as(out()).isZero();
        assertThat(line("salt-call")).isEqualTo(PASS + " salt-call          " + saltCall + ", salt-call 3007.0 (Chlorine)");
    }

    @Test
    void anInvalidConfigurationFailsAndTheOtherChecksAreNotMade() throws IOException {
        config("ws://127.0.0.1:9/agent/", "ping_interval = soon\n");

        int code = diagnose();

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(line("configuration")).startsWith(FAIL + " configuration").contains("ping_interval")
                .contains("fix: correct what the message names in " + root.resolve("etc/opsagent.conf"));
        assertThat(line("TCP")).startsWith("- TCP").contains("needs a valid configuration");
        assertThat(out()).endsWith("1 of 10 checks failed, 9 not checked\n");
    }

    @Test
    void aBadTimeoutIsAUsageError() {
        assertThat(diagnose("--timeout", "soon")).isEqualTo(ExitCodes.ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("opsagent: diagnose: --timeout: 'soon' is not a"
                + " duration");
    }

    private static JsonObject check(JsonObject json, String name) {
        for (JsonElement e : json.getAsJsonArray("checks")) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no check " + name + " in " + json);
    }
}
