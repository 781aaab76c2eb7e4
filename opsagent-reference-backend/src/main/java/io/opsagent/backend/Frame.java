package io.opsagent.backend;

import java.time.Instant;

/** One entry of the backend's transcript: a frame sent or received, or a connection event. */
public final class Frame {

  /** What the entry records. */
  public enum Kind {
    /** A frame from the agent. */
    RECEIVED,
    /** A frame the backend sent. */
    SENT,
    /** A connection opened, closed, or an upgrade request was refused. */
    EVENT
  }

  private final Kind kind;
  private final int connection;
  private final long atNanos;
  private final Instant at;
  private final String text;

  Frame(Kind kind, int connection, long atNanos, Instant at, String text) {
    this.kind = kind;
    this.connection = connection;
    this.atNanos = atNanos;
    this.at = at;
    this.text = text;
  }

  public Kind kind() {
    return kind;
  }

  /** The connection number, or 0 for an event before a connection existed. */
  public int connection() {
    return connection;
  }

  /** {@link System#nanoTime()} of the entry. */
  public long atNanos() {
    return atNanos;
  }

  /** Wall-clock time of the entry, for printing only. */
  public Instant at() {
    return at;
  }

  /** The frame text, or a description of the event. */
  public String text() {
    return text;
  }

  @Override
  public String toString() {
    String arrow;
    switch (kind) {
      case RECEIVED:
        arrow = " <- ";
        break;
      case SENT:
        arrow = " -> ";
        break;
      default:
        arrow = " ** ";
        break;
    }
    return at + " #" + connection + arrow + text;
  }
}
