package io.opsagent.bench.wire;

/** A benchmark could not go on: the agent did not answer in time, or exited. */
public final class BenchException extends Exception {

  private static final long serialVersionUID = 1L;

  public BenchException(String message) {
    super(message);
  }

  public BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
