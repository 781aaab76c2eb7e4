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

/** Waits for a file to appear, woken by file system events, up to a deadline. */
public final class FileEvents {

    private FileEvents() {}

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
