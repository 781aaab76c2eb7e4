package io.opsagent.tck.internal;

import io.opsagent.tck.AgentProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The kit's {@link AgentProbe}: records each upgrade with the time and a snapshot of the host
 * taken at that moment (what the test wants to know about "when"). Thread-safe. Internal.
 */
public final class RecordingProbe implements AgentProbe {

  /** One upgrade the agent reported. */
  public static final class Upgrade {
    private final String version;
    private final String url;
    private final long atNanos;
    private final String snapshot;

    Upgrade(String version, String url, long atNanos, String snapshot) {
      this.version = version;
      this.url = url;
      this.atNanos = atNanos;
      this.snapshot = snapshot;
    }

    public String version() {
      return version;
    }

    public String url() {
      return url;
    }

    public long atNanos() {
      return atNanos;
    }

    /** What the test's snapshot supplier returned when the upgrade was reported. */
    public String snapshot() {
      return snapshot;
    }

    @Override
    public String toString() {
      return "upgrade to " + version + " (" + url + ")" + (snapshot == null ? "" : " [" + snapshot + "]");
    }
  }

  private final List<Upgrade> upgrades = new ArrayList<>();
  private Supplier<String> snapshot = () -> null;

  /** What to record about the host at each upgrade. */
  public synchronized void snapshotWith(Supplier<String> supplier) {
    this.snapshot = supplier;
  }

  @Override
  public synchronized void upgradeStarted(String version, String url) {
    upgrades.add(new Upgrade(version, url, System.nanoTime(), snapshot.get()));
    notifyAll();
  }

  public synchronized List<Upgrade> upgrades() {
    return List.copyOf(upgrades);
  }

  /** Waits for the {@code n}-th upgrade report (from 1); null when none came in time. */
  public synchronized Upgrade awaitUpgrade(int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (upgrades.size() < n) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return null;
      }
      try {
        wait(Math.max(1, remaining / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return upgrades.get(n - 1);
  }
}
