package io.opsagent.fsm.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

class SharedHttpClientTest {

    @Test
    void plainBackendGetsACleartextOnlyClientWithoutTls() {
        OkHttpClient client = SharedHttpClient.forUrl(URI.create("ws://127.0.0.1:9000/agent"));

        assertThat(client.connectionSpecs()).containsExactly(ConnectionSpec.CLEARTEXT);
        assertThatThrownBy(client::sslSocketFactory).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tlsBackendGetsOkHttpsDefaultSpecsAndSharesThreadsAndPool() {
        OkHttpClient plain = SharedHttpClient.forUrl(URI.create("ws://127.0.0.1:9000/agent"));
        OkHttpClient tls = SharedHttpClient.forUrl(URI.create("WSS://backend.example/agent"));

        assertThat(tls.connectionSpecs()).containsExactly(ConnectionSpec.MODERN_TLS, ConnectionSpec.CLEARTEXT);
        assertThat(tls.sslSocketFactory()).isNotNull();
        assertThat(tls.dispatcher()).isSameAs(plain.dispatcher());
        assertThat(tls.connectionPool()).isSameAs(plain.connectionPool());
        assertThat(tls.dispatcher().getMaxRequests()).isEqualTo(Integer.MAX_VALUE);
        assertThat(SharedHttpClient.forUrl(URI.create("wss://other.example/"))).isSameAs(tls);
    }
}
