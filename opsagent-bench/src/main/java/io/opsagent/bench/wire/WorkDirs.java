package io.opsagent.bench.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The temporary folders the benches run agents in. */
public final class WorkDirs {

  private WorkDirs() {}

  /**
   * Removes {@code dir} and everything below it, deepest first, without following links. Best
   * effort: a bench's temporary folder, so what cannot be removed stays and is no error.
   */
  public static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // best effort: a temporary folder
    }
  }
}
