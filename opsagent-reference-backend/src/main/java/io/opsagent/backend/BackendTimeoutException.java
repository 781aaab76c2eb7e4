package io.opsagent.backend;

/** An awaited condition did not come true in time; the message says what was seen instead. */
public final class BackendTimeoutException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public BackendTimeoutException(String message) {
    super(message);
  }
}
