package io.opsagent.tck;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything an {@link AgentUnderTest} is started with: where the backend is, the identity to
 * hand-shake with, and the timings that the rules are measured against. Immutable; build with
 * {@link #builder()}. An agent must honour every value; the conformance tests change them per
 * test (for example a long backoff to tell "at once" from "after backoff").
 *
 * @param backendUrl the reference backend, for example {@code ws://127.0.0.1:41234/agent/}
 * @param appId {@code app_id} to send in {@code Handshake} and {@code StateLog}
 * @param instanceId {@code instance_id} to send (instead of asking the cloud metadata service)
 * @param instanceToken {@code instance_token} to send (the token file's content)
 * @param roundInterval pause after a successful round before the next one (R2.8)
 * @param backoffInitial nominal pause after the first round that ceased into backoff (R2.3)
 * @param backoffMax cap of the nominal backoff pause (R2.3)
 * @param stateTimeout how long one state may run before it is killed and fails (R2.9)
 * @param reconnectInitial reconnect backoff base (R4.2)
 * @param reconnectMax reconnect backoff cap (R4.2)
 * @param notReadyRetryPause pause before handshaking again after {@code AppNotReady} (R1.3)
 * @param pingInterval interval of the agent's WebSocket pings; a peer that leaves one unanswered
 *     until the next is dead (R1.9)
 * @param caFile a PEM file of the certificates to trust for {@code wss://} instead of the
 *     system's, or null (R1.8)
 * @param workDir an empty directory the agent may use for its files; deleted after the test
 */
public record AgentSettings(
    URI backendUrl,
    String appId,
    String instanceId,
    String instanceToken,
    Duration roundInterval,
    Duration backoffInitial,
    Duration backoffMax,
    Duration stateTimeout,
    Duration reconnectInitial,
    Duration reconnectMax,
    Duration notReadyRetryPause,
    Duration pingInterval,
    Path caFile,
    Path workDir) {

  /** Validates every value; errors name the setting. */
  public AgentSettings {
    Objects.requireNonNull(backendUrl, "backendUrl");
    requireText(appId, "appId");
    requireText(instanceId, "instanceId");
    requireText(instanceToken, "instanceToken");
    requirePositive(roundInterval, "roundInterval");
    requirePositive(backoffInitial, "backoffInitial");
    requirePositive(backoffMax, "backoffMax");
    requirePositive(stateTimeout, "stateTimeout");
    requirePositive(reconnectInitial, "reconnectInitial");
    requirePositive(reconnectMax, "reconnectMax");
    requirePositive(notReadyRetryPause, "notReadyRetryPause");
    requirePositive(pingInterval, "pingInterval");
    Objects.requireNonNull(workDir, "workDir");
    if (backoffInitial.compareTo(backoffMax) > 0) {
      throw new IllegalArgumentException(
          "backoffInitial must be <= backoffMax, was " + backoffInitial + " > " + backoffMax);
    }
    if (reconnectInitial.compareTo(reconnectMax) > 0) {
      throw new IllegalArgumentException(
          "reconnectInitial must be <= reconnectMax, was " + reconnectInitial + " > " + reconnectMax);
    }
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(name + " must be a non-empty string");
    }
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }

  /**
   * A builder with the kit's identity and fast default timings: round interval 300 ms, backoff
   * 200 ms to 800 ms, state timeout 5 s, reconnect 50 ms to 300 ms, not-ready pause 200 ms,
   * ping interval 5 s.
   * {@code backendUrl} and {@code workDir} have no default.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these values. */
  public Builder toBuilder() {
    return new Builder()
        .backendUrl(backendUrl)
        .appId(appId)
        .instanceId(instanceId)
        .instanceToken(instanceToken)
        .roundInterval(roundInterval)
        .backoff(backoffInitial, backoffMax)
        .stateTimeout(stateTimeout)
        .reconnect(reconnectInitial, reconnectMax)
        .notReadyRetryPause(notReadyRetryPause)
        .pingInterval(pingInterval)
        .caFile(caFile)
        .workDir(workDir);
  }

  /** Collects settings; {@link #build()} validates them. */
  public static final class Builder {
    private URI backendUrl;
    private String appId = "app-tck-0001";
    private String instanceId = "i-0tck0000000000001";
    private String instanceToken = "tck-instance-token";
    private Duration roundInterval = Duration.ofMillis(300);
    private Duration backoffInitial = Duration.ofMillis(200);
    private Duration backoffMax = Duration.ofMillis(800);
    private Duration stateTimeout = Duration.ofSeconds(5);
    private Duration reconnectInitial = Duration.ofMillis(50);
    private Duration reconnectMax = Duration.ofMillis(300);
    private Duration notReadyRetryPause = Duration.ofMillis(200);
    private Duration pingInterval = Duration.ofSeconds(5);
    private Path caFile;
    private Path workDir;

    private Builder() {}

    public Builder backendUrl(URI url) {
      this.backendUrl = url;
      return this;
    }

    public Builder appId(String appId) {
      this.appId = appId;
      return this;
    }

    public Builder instanceId(String instanceId) {
      this.instanceId = instanceId;
      return this;
    }

    public Builder instanceToken(String token) {
      this.instanceToken = token;
      return this;
    }

    public Builder roundInterval(Duration interval) {
      this.roundInterval = interval;
      return this;
    }

    public Builder backoff(Duration initial, Duration max) {
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    public Builder stateTimeout(Duration timeout) {
      this.stateTimeout = timeout;
      return this;
    }

    public Builder reconnect(Duration initial, Duration max) {
      this.reconnectInitial = initial;
      this.reconnectMax = max;
      return this;
    }

    public Builder notReadyRetryPause(Duration pause) {
      this.notReadyRetryPause = pause;
      return this;
    }

    public Builder pingInterval(Duration interval) {
      this.pingInterval = interval;
      return this;
    }

    /** Trust the certificates in this PEM file for {@code wss://}; null for the system's. */
    public Builder caFile(Path file) {
      this.caFile = file;
      return this;
    }

    public Builder workDir(Path dir) {
      this.workDir = dir;
      return this;
    }

    public AgentSettings build() {
      return new AgentSettings(
          backendUrl,
          appId,
          instanceId,
          instanceToken,
          roundInterval,
          backoffInitial,
          backoffMax,
          stateTimeout,
          reconnectInitial,
          reconnectMax,
          notReadyRetryPause,
          pingInterval,
          caFile,
          workDir);
    }
  }
}
