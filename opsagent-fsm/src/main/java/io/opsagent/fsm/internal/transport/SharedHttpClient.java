package io.opsagent.fsm.internal.transport;

import java.time.Duration;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * One OkHttp client per JVM: agents derive theirs from it and share its threads and pools.
 *
 * <p>Its dispatcher has no limit on running calls: an OkHttp WebSocket holds one of them for as
 * long as it is open (its reader loop runs inside the call), and OkHttp's default of 64 let only
 * the first 64 agents of a JVM connect; the others waited in the dispatcher's queue for ever.
 */
public final class SharedHttpClient {

    private SharedHttpClient() { }

    private static final class Holder {
        static final OkHttpClient CLIENT = new OkHttpClient.Builder()
                .dispatcher(unlimitedDispatcher())
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ZERO)
                .writeTimeout(Duration.ofSeconds(30))
                .build();
    }

    static Dispatcher unlimitedDispatcher() {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(Integer.MAX_VALUE);
        dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
        return dispatcher;
    }

    public static OkHttpClient get() {
        return Holder.CLIENT;
    }
}
