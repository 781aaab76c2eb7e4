package io.opsagent.backend;

/**
 * A {@code StateLog} the backend received, with its fields read leniently: a getter returns null
 * when the field is absent or of the wrong JSON type (the conformance tests check types). Immutable.
 */
public final class StateLog {

  private final ReceivedMessage message;

  StateLog(ReceivedMessage message) {
    this.message = message;
  }

  /** The frame this log came in. */
  public ReceivedMessage message() {
    return message;
  }

  public String instanceId() {
    return message.string("instance_id");
  }

  public String appId() {
    return message.string("app_id");
  }

  public Long recipeVersion() {
    return message.integer("recipe_version");
  }

  /** The state id ({@code id}). */
  public String id() {
    return message.string("id");
  }

  /** {@code state_result}: true for success. */
  public Boolean result() {
    return message.bool("state_result");
  }

  /** True only when {@code state_result} is the JSON value {@code true}. */
  public boolean succeeded() {
    return Boolean.TRUE.equals(result());
  }

  public String comment() {
    return message.string("state_comment");
  }

  public String stdout() {
    return message.string("state_stdout");
  }

  /** The extension's sequence number, or null when the agent does not send one. */
  public Long seq() {
    return message.integer("seq");
  }

  public int connection() {
    return message.connection();
  }

  public long receivedAtNanos() {
    return message.receivedAtNanos();
  }

  @Override
  public String toString() {
    return "StateLog{id="
        + id()
        + ", v"
        + recipeVersion()
        + ", "
        + (succeeded() ? "ok" : "FAILED")
        + (seq() == null ? "" : ", seq=" + seq())
        + ", #"
        + connection()
        + "}";
  }
}
