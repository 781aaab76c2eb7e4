package io.opsagent.fsm.internal.transport;

import java.time.Duration;
import okhttp3.OkHttpClient;

/** One OkHttp client per JVM: agents derive theirs from it and share its threads and pools. */
public final class SharedHttpClient {

    private SharedHttpClient() { }

    private static final class Holder {
        static final OkHttpClient CLIENT = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ZERO)
                .writeTimeout(Duration.ofSeconds(30))
                .build();
    }

    public static OkHttpClient get() {
        return Holder.CLIENT;
    }
}
