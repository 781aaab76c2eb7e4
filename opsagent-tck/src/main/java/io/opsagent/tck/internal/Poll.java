package io.opsagent.tck.internal;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition on this host (a file, a process) that nothing signals: checks it every
 * poll interval until a deadline. Internal to the kit.
 */
public final class Poll {

  private Poll() {}

  /**
   * Returns once {@code condition} holds.
   *
   * @throws AssertionError naming {@code description} when it does not hold within {@code timeout}
   */
  public static void until(
      String description, BooleanSupplier condition, Duration timeout, Duration interval) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(
            "timed out after " + timeout.toMillis() + " ms waiting for " + description);
      }
      LockSupport.parkNanos(interval.toNanos());
    }
  }

  /** Whether {@code condition} became true at some point within {@code window}. */
  public static boolean becomesTrueWithin(
      BooleanSupplier condition, Duration window, Duration interval) {
    long deadline = System.nanoTime() + window.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      LockSupport.parkNanos(interval.toNanos());
    }
  }
}
