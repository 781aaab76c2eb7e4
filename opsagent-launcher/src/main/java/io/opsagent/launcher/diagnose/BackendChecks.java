package io.opsagent.launcher.diagnose;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.BackendProbe;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgentException;
import io.opsagent.launcher.config.Durations;
import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.runtime.LibraryRuntime;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The way to the backend, one step at a time with {@link BackendProbe}: the host name, a TCP
 * connection, the TLS handshake ({@code wss://}), the WebSocket upgrade and the answer to a
 * Handshake. A step is skipped when an earlier one failed.
 */
final class BackendChecks {

    static final String DNS = "DNS";
    static final String TCP = "TCP";
    static final String TLS = "TLS";
    static final String UPGRADE = "WebSocket upgrade";
    static final String HANDSHAKE = "Handshake";

    private final LauncherConfig config;
    private final Duration timeout;
    private final BackendProbe.Resolver resolver;
    private final String url;

    BackendChecks(LauncherConfig config, Duration timeout, BackendProbe.Resolver resolver) {
        this.config = config;
        this.timeout = timeout;
        this.resolver = resolver;
        this.url = loggable(config);
    }

    /** The backend URL as it may be shown: without a password. */
    static String loggable(LauncherConfig config) {
        return ConnectionSettings.builder(config.userdata().wsUri().orElseThrow()).build().loggableUrl();
    }

    List<Check> run(Optional<AgentIdentity> identity, String whyNoIdentity) throws InterruptedException {
        List<Check> checks = new ArrayList<>();
        BackendProbe probe = new BackendProbe(LibraryRuntime.connectionSettings(config).build(), timeout, resolver);
        String host = probe.host();
        String within = " within " + Durations.format(timeout);

        List<InetAddress> addresses;
        try {
            addresses = probe.resolve();
            checks.add(Check.pass(DNS, host + " is " + addresses.stream().map(InetAddress::getHostAddress)
                    .collect(Collectors.joining(", "))));
        } catch (UnknownHostException e) {
            checks.add(Check.fail(DNS, "no such host: " + host, "check the host name in [userdata] ws_uri ("
                    + url + ") and the resolver (/etc/resolv.conf): getent hosts " + host));
            return skipFrom(checks, TCP, "the backend's host name does not resolve");
        } catch (TimeoutException e) {
            checks.add(Check.fail(DNS, "no answer for " + host + within, "check the resolver (/etc/resolv.conf)"
                    + " and that this host reaches its name servers"));
            return skipFrom(checks, TCP, "the backend's host name does not resolve");
        }

        InetAddress address = addresses.get(0);
        String target = address.getHostAddress() + " port " + probe.port();
        try {
            probe.connect(address);
            checks.add(Check.pass(TCP, "connected to " + target));
        } catch (IOException e) {
            checks.add(Check.fail(TCP, "cannot connect to " + target + ": " + message(e), "check that the backend"
                    + " listens on port " + probe.port() + " and that no firewall or security group blocks this host's"
                    + " outgoing connections to it"));
            return skipFrom(checks, TLS, "no TCP connection");
        }

        if (probe.tls()) {
            try {
                BackendProbe.TlsResult tls = probe.tlsHandshake(address);
                checks.add(Check.pass(TLS, tls.protocol() + ", certificate " + tls.peer() + " trusted"
                        + config.network().caFile().map(f -> " (CA file " + f + ")").orElse(" (system trust store)")));
            } catch (OpsAgentException e) {
                checks.add(Check.fail(TLS, e.getMessage(), "correct [network] ca_file, client_cert or client_key"));
                return skipFrom(checks, UPGRADE, "no TLS connection");
            } catch (IOException e) {
                checks.add(tlsFailure(e));
                return skipFrom(checks, UPGRADE, "no TLS connection");
            }
        } else {
            checks.add(Check.pass(TLS, "not used: " + url + " is plain ws://, so the token travels unencrypted"));
        }

        if (identity.isEmpty()) {
            checks.add(Check.skip(UPGRADE, whyNoIdentity));
            checks.add(Check.skip(HANDSHAKE, whyNoIdentity));
            return checks;
        }
        BackendProbe.HandshakeResult result;
        try {
            result = probe.handshake(identity.get());
        } catch (OpsAgentException e) {
            checks.add(Check.fail(UPGRADE, e.getMessage(), "correct [network] ca_file, client_cert or client_key"));
            checks.add(Check.skip(HANDSHAKE, "no WebSocket"));
            return checks;
        }
        switch (result.outcome()) {
            case UPGRADE_FAILED:
                checks.add(Check.fail(UPGRADE, url + ": " + result.detail(), result.httpStatus() == 0
                        ? "check that nothing between this host and the backend (a proxy, a load balancer) drops"
                                + " WebSocket connections"
                        : "check the path in [userdata] ws_uri and that the proxy or load balancer in front of the"
                                + " backend passes WebSocket upgrades"));
                checks.add(Check.skip(HANDSHAKE, "no WebSocket"));
                break;
            case ANSWERED:
                checks.add(Check.pass(UPGRADE, url + ": 101 Switching Protocols"));
                checks.add(Check.pass(HANDSHAKE, "answered with " + result.detail()
                        + ("AppNotReady".equals(result.detail()) ? " (the app is not ready yet; the agent waits)" : "")));
                break;
            default:
                checks.add(Check.pass(UPGRADE, url + ": 101 Switching Protocols"));
                checks.add(Check.fail(HANDSHAKE, result.detail(), "check [userdata] app_id and the instance id with"
                        + " the backend's operators: it takes the connection but does not answer this instance;"
                        + " its log says why"));
                break;
        }
        return checks;
    }

    private Check tlsFailure(IOException e) {
        if (pkix(e)) {
            return Check.fail(TLS, "the backend's certificate is not trusted: " + message(e),
                    config.network().caFile().isPresent()
                            ? "put the CA certificate that issued the backend's certificate into [network] ca_file ("
                                    + config.network().caFile().get() + ")"
                            : "set [network] ca_file to a PEM file with the CA certificate that issued the backend's"
                                    + " certificate");
        }
        if (e instanceof SSLPeerUnverifiedException) {
            return Check.fail(TLS, message(e), "use the host name the certificate is for in [userdata] ws_uri");
        }
        if (e instanceof SSLException) {
            return Check.fail(TLS, "TLS handshake failed: " + message(e), "check that the backend speaks TLS on this"
                    + " port (wss://) and, for mutual TLS, [network] client_cert and client_key");
        }
        return Check.fail(TLS, "TLS handshake failed: " + message(e), "check that the backend speaks TLS on this port");
    }

    /** Whether the certificate chain could not be built to a trusted root. */
    static boolean pkix(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
                    || (t.getMessage() != null && t.getMessage().contains("PKIX path"))) {
                return true;
            }
        }
        return false;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Adds every step from {@code first} on as skipped. */
    private static List<Check> skipFrom(List<Check> checks, String first, String why) {
        List<String> steps = List.of(DNS, TCP, TLS, UPGRADE, HANDSHAKE);
        for (String step : steps.subList(steps.indexOf(first), steps.size())) {
            checks.add(Check.skip(step, why));
        }
        return checks;
    }
}
