package io.opsagent.backend;

/** One WebSocket upgrade request, accepted or refused. Immutable. */
public final class ConnectionAttempt {

  private final int number;
  private final long atNanos;
  private final String path;
  private final boolean accepted;

  ConnectionAttempt(int number, long atNanos, String path, boolean accepted) {
    this.number = number;
    this.atNanos = atNanos;
    this.path = path;
    this.accepted = accepted;
  }

  /** Numbered from 1 over the backend's life. */
  public int number() {
    return number;
  }

  /** {@link System#nanoTime()} when the request was read. */
  public long atNanos() {
    return atNanos;
  }

  public String path() {
    return path;
  }

  /** False when the backend refused it (see {@link ReferenceBackend#setRefuseConnections}). */
  public boolean accepted() {
    return accepted;
  }

  @Override
  public String toString() {
    return "attempt " + number + (accepted ? " accepted" : " refused");
  }
}
