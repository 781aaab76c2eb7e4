package io.opsagent.fsm;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition that another thread or process makes true (no latch can signal another
 * process's death, say), failing with a message after a deadline.
 */
public final class Await {

    private Await() { }

    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    public static void until(BooleanSupplier condition, Duration timeout, String what) {
        until(condition, timeout, () -> what);
    }

    public static void until(BooleanSupplier condition, String what) {
        until(condition, Duration.ofSeconds(10), () -> what);
    }
}
