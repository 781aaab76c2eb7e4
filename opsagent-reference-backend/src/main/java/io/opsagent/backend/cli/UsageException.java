package io.opsagent.backend.cli;

/** Bad command-line arguments; the message says which and why. */
public final class UsageException extends Exception {

  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
