package io.opsagent.launcher.testing;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Waits for a file to appear, woken by file system events, up to a deadline. */
public final class FileEvents {

    private FileEvents() {}

    /** A look at files that gives a value once what is awaited is there, else null. */
    public interface Probe<T> {
        T get() throws IOException;
    }

    /**
     * Returns the first non-null value of {@code probe}, tried again whenever something in
     * {@code dir} is created or changed; fails after {@code deadline} with {@code what} and
     * {@code diagnostics}.
     */
    public static <T> T awaitInDirectory(Path dir, Probe<T> probe, Duration deadline, String what,
            Supplier<String> diagnostics) throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (true) {
                T value = probe.get();
                if (value != null) {
                    return value;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(what + ": not there within " + deadline + "\n" + diagnostics.get());
                }
                // Events wake the wait; the cap only guards against a missed one.
                WatchKey key = watcher.poll(Math.min(TimeUnit.NANOSECONDS.toMillis(left), 500), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }

    /** Returns once {@code file} exists; fails after {@code deadline}. The file should be created by a rename. */
    public static void awaitFile(Path file, Duration deadline) throws IOException, InterruptedException {
        Instant end = Instant.now().plus(deadline);
        try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
            file.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            while (!Files.exists(file)) {
                long left = Duration.between(Instant.now(), end).toMillis();
                if (left <= 0) {
                    throw new AssertionError(file + " did not appear within " + deadline);
                }
                WatchKey key = watcher.poll(left, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }
}
