package io.opsagent.fsm.internal.transport;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * One OkHttp client per JVM: agents derive theirs from it and share its threads and pools.
 *
 * <p>Its dispatcher has no limit on running calls: an OkHttp WebSocket holds one of them for as
 * long as it is open (its reader loop runs inside the call), and OkHttp's default of 64 let only
 * the first 64 agents of a JVM connect; the others waited in the dispatcher's queue for ever.
 *
 * <p>A {@code ws://} backend gets a cleartext-only client: OkHttp sets up TLS (the system trust
 * store, about 500 JDK classes and every trusted certificate parsed) as it builds a client that
 * allows TLS, which a plain connection never uses. A {@code wss://} backend gets the same client
 * with OkHttp's default connection specs, built on first use and shared in the same way. A
 * {@code ws://} backend that redirects to {@code https://} is therefore not followed.
 */
public final class SharedHttpClient {

    /** OkHttp's default: modern TLS, and cleartext for {@code http://} redirects. */
    static final List<ConnectionSpec> TLS_SPECS = List.of(ConnectionSpec.MODERN_TLS, ConnectionSpec.CLEARTEXT);

    private SharedHttpClient() { }

    private static final class Cleartext {
        static final OkHttpClient CLIENT = new OkHttpClient.Builder()
                .dispatcher(unlimitedDispatcher())
                .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT))
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ZERO)
                .writeTimeout(Duration.ofSeconds(30))
                .build();
    }

    private static final class Tls {
        static final OkHttpClient CLIENT = Cleartext.CLIENT.newBuilder().connectionSpecs(TLS_SPECS).build();
    }

    static Dispatcher unlimitedDispatcher() {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(Integer.MAX_VALUE);
        dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
        return dispatcher;
    }

    /** The shared client for a backend at {@code url}: with TLS for {@code wss://}, without for {@code ws://}. */
    public static OkHttpClient forUrl(URI url) {
        return "wss".equalsIgnoreCase(url.getScheme()) ? Tls.CLIENT : Cleartext.CLIENT;
    }
}
