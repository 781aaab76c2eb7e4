package io.opsagent.bench.wire;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.opsagent.backend.BackendListener;
import io.opsagent.backend.Frame;
import io.opsagent.backend.internal.Json;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Hands the frames the backend receives to the bench thread in arrival order, each with the
 * backend's receive time. The backend's reader thread only enqueues; parsing and matching
 * happen on the waiting thread, so waiting costs the agent's side nothing and the timestamps
 * are those of the backend, not of the waiter's wake-up.
 */
final class FrameWaiter implements BackendListener {

  /** A frame from the agent, parsed when it is a JSON object with a string code. */
  record Received(Frame frame, JsonObject json, String code) {

    long atNanos() {
      return frame.atNanos();
    }

    boolean isStateLog(long version, String id) {
      return "StateLog".equals(code)
          && json != null
          && Long.valueOf(version).equals(Json.integer(json, "recipe_version"))
          && id.equals(Json.string(json, "id"));
    }

    boolean isHandshakeOnConnectionAfter(int connection) {
      return "Handshake".equals(code) && frame.connection() > connection;
    }
  }

  private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final Supplier<String> diagnostics;

  FrameWaiter(Supplier<String> diagnostics) {
    this.diagnostics = diagnostics;
  }

  @Override
  public void onFrame(Frame frame) {
    if (frame.kind() == Frame.Kind.RECEIVED) {
      frames.add(frame);
    }
  }

  /** What the agent is doing, for error messages. */
  String diagnostics() {
    return diagnostics.get();
  }

  /**
   * Takes frames until one matches and returns it; frames before it are dropped.
   *
   * @throws BenchException naming {@code description} and the agent's state on timeout
   */
  Received await(String description, Predicate<Received> matcher, Duration timeout)
      throws BenchException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long remaining = deadline - System.nanoTime();
      Frame frame = remaining > 0 ? frames.poll(remaining, TimeUnit.NANOSECONDS) : null;
      if (frame == null) {
        throw new BenchException("timed out after " + timeout.toMillis() + " ms waiting for "
            + description + "; " + diagnostics.get());
      }
      Received received = parse(frame);
      if (matcher.test(received)) {
        return received;
      }
    }
  }

  static Received parse(Frame frame) {
    try {
      JsonElement element = Json.parseStrict(frame.text());
      if (element.isJsonObject()) {
        JsonObject json = element.getAsJsonObject();
        return new Received(frame, json, Json.string(json, "code"));
      }
    } catch (JsonParseException e) {
      // not JSON: matches nothing
    }
    return new Received(frame, null, null);
  }
}
