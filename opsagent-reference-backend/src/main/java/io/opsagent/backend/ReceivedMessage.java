package io.opsagent.backend;

import com.google.gson.JsonObject;
import io.opsagent.backend.internal.Json;
import java.time.Instant;

/**
 * One frame the backend received from an agent, well-formed or not. Immutable.
 *
 * <p>A frame is well-formed when it is a text frame holding exactly one JSON object (strict
 * RFC 8259) with a string {@code code}; otherwise {@link #problem()} says why not.
 */
public final class ReceivedMessage {

  private final int connection;
  private final long receivedAtNanos;
  private final Instant receivedAt;
  private final String text;
  private final JsonObject json;
  private final String code;
  private final String problem;
  private final boolean duplicate;

  ReceivedMessage(
      int connection,
      long receivedAtNanos,
      Instant receivedAt,
      String text,
      JsonObject json,
      String code,
      String problem,
      boolean duplicate) {
    this.connection = connection;
    this.receivedAtNanos = receivedAtNanos;
    this.receivedAt = receivedAt;
    this.text = text;
    this.json = json;
    this.code = code;
    this.problem = problem;
    this.duplicate = duplicate;
  }

  /** The connection it came on, numbered from 1 over the backend's life. */
  public int connection() {
    return connection;
  }

  /** {@link System#nanoTime()} when the frame was read. */
  public long receivedAtNanos() {
    return receivedAtNanos;
  }

  /** Wall-clock time when the frame was read, for printing only. */
  public Instant receivedAt() {
    return receivedAt;
  }

  /** The frame's text, or a placeholder such as {@code <binary 3 bytes>} for a binary frame. */
  public String text() {
    return text;
  }

  /** The {@code code}, or null when the frame is not well-formed. */
  public String code() {
    return code;
  }

  /** True when the frame is a JSON object with a string {@code code}. */
  public boolean isWellFormed() {
    return problem == null;
  }

  /** Why the frame is not well-formed, or null. */
  public String problem() {
    return problem;
  }

  /**
   * True for a {@code StateLog} whose {@code seq} the backend had already received (a resend
   * after reconnect); {@link ReferenceBackend#stateLogs()} leaves these out.
   */
  public boolean isDuplicate() {
    return duplicate;
  }

  /** A copy of the JSON object, or null when the frame is not well-formed. */
  public JsonObject json() {
    return json == null ? null : json.deepCopy();
  }

  /** True when the object has the field (even if its value is null). */
  public boolean has(String field) {
    return json != null && json.has(field);
  }

  /** A string field, or null when absent or not a string. */
  public String string(String field) {
    return json == null ? null : Json.string(json, field);
  }

  /** An integer field, or null when absent or not a JSON integer. */
  public Long integer(String field) {
    return json == null ? null : Json.integer(json, field);
  }

  /** A boolean field, or null when absent or not a boolean. */
  public Boolean bool(String field) {
    return json == null ? null : Json.bool(json, field);
  }

  /** This message read as a StateLog. */
  public StateLog asStateLog() {
    if (!MessageCodes.STATE_LOG.equals(code)) {
      throw new IllegalStateException("not a StateLog: " + text);
    }
    return new StateLog(this);
  }

  @Override
  public String toString() {
    return "#" + connection + " " + text + (problem == null ? "" : "  [malformed: " + problem + "]");
  }
}
