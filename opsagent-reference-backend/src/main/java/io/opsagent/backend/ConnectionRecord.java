package io.opsagent.backend;

/** One accepted WebSocket connection, as the backend saw it. Immutable snapshot. */
public final class ConnectionRecord {

  private final int id;
  private final String path;
  private final long openedAtNanos;
  private final long closedAtNanos;
  private final int closeCode;
  private final String closeReason;
  private final boolean abrupt;

  ConnectionRecord(int id, String path, long openedAtNanos) {
    this(id, path, openedAtNanos, 0, 0, null, false);
  }

  private ConnectionRecord(
      int id,
      String path,
      long openedAtNanos,
      long closedAtNanos,
      int closeCode,
      String closeReason,
      boolean abrupt) {
    this.id = id;
    this.path = path;
    this.openedAtNanos = openedAtNanos;
    this.closedAtNanos = closedAtNanos;
    this.closeCode = closeCode;
    this.closeReason = closeReason;
    this.abrupt = abrupt;
  }

  ConnectionRecord closed(long atNanos, int code, String reason, boolean wasAbrupt) {
    return new ConnectionRecord(id, path, openedAtNanos, atNanos, code, reason, wasAbrupt);
  }

  /** Numbered from 1 over the backend's life (across restarts). */
  public int id() {
    return id;
  }

  /** The path of the upgrade request, for example {@code /agent/}. */
  public String path() {
    return path;
  }

  public long openedAtNanos() {
    return openedAtNanos;
  }

  public boolean isOpen() {
    return closedAtNanos == 0;
  }

  /** {@link System#nanoTime()} when it ended, or 0 while open. */
  public long closedAtNanos() {
    return closedAtNanos;
  }

  /** The close code the agent sent (1005: none given; 1006: no close frame), 0 while open. */
  public int closeCode() {
    return closeCode;
  }

  public String closeReason() {
    return closeReason;
  }

  /** True when the connection ended without a close handshake. */
  public boolean endedAbruptly() {
    return abrupt;
  }

  @Override
  public String toString() {
    return "connection #"
        + id
        + (isOpen() ? " open" : " closed " + closeCode + (abrupt ? " (abrupt)" : ""));
  }
}
