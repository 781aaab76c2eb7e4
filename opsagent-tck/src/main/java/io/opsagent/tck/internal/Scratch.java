package io.opsagent.tck.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A per-test directory on this host through which the kit observes what states did: shell
 * snippets for {@code linux.cmd} states that leave marker files, line logs and pid files, and
 * readers for them. Internal to the kit.
 */
public final class Scratch implements AutoCloseable {

  private final Path root;
  private final Instant created;

  private Scratch(Path root) {
    this.root = root;
    this.created = Instant.now();
  }

  /** Creates a fresh directory under the system temporary directory. */
  public static Scratch create() throws IOException {
    Path root = Files.createTempDirectory("opsagent-tck-").toRealPath();
    if (root.toString().contains("'")) {
      throw new IOException("temporary directory contains a quote, cannot be used in sh: " + root);
    }
    return new Scratch(root);
  }

  public Path root() {
    return root;
  }

  /** A path inside the scratch directory. */
  public Path path(String name) {
    return root.resolve(name);
  }

  /** The path single-quoted for {@code sh}. */
  public String quoted(String name) {
    return "'" + path(name) + "'";
  }

  // ---------------------------------------------------------------- shell snippets

  /** Creates the marker file {@code name}. */
  public String touch(String name) {
    return "touch " + quoted(name);
  }

  /** Appends {@code word} (no spaces or quotes) as a line to {@code name}. */
  public String append(String name, String word) {
    return "echo " + word + " >> " + quoted(name);
  }

  /** Touches {@code started}, then blocks until the file {@code gate} exists. */
  public String gate(String started, String gate) {
    return touch(started) + "; while [ ! -e " + quoted(gate) + " ]; do sleep 0.02; done";
  }

  /**
   * Runs a 600 s {@code sleep} as a child of the state's shell and waits for it, writing the
   * shell's pid to {@code name.sh.pid} and the sleep's pid to {@code name.pid} (atomically, so a
   * reader never sees a half-written file). Killing only the shell leaves the sleep running.
   *
   * <p>The shell's pid comes from a child's {@code $PPID}, not from {@code $$}: agents that keep
   * the original agent's {@code $name} templating turn {@code $$} into {@code $}.
   */
  public String longRunning(String name) {
    return "sh -c 'echo $PPID' > " + quoted(name + ".sh.tmp") + " && mv " + quoted(name + ".sh.tmp") + " "
        + quoted(name + ".sh.pid") + "; sleep 600 & echo $! > " + quoted(name + ".tmp") + " && mv "
        + quoted(name + ".tmp") + " " + quoted(name + ".pid") + "; wait";
  }

  /** Increments the counter in file {@code name} and leaves its new value in {@code $n}. */
  public String count(String name) {
    return "n=$(( $(cat " + quoted(name) + " 2>/dev/null || echo 0) + 1 )); echo $n > "
        + quoted(name);
  }

  /**
   * Appends this host's clock in nanoseconds ({@code date +%s%N}) as a line to {@code name}: a
   * time the state stamps itself with where it runs, read back with {@link #clockNanos}.
   */
  public String clock(String name) {
    return "date +%s%N >> " + quoted(name);
  }

  // ---------------------------------------------------------------- observations

  /**
   * The times {@link #clock} appended to {@code name}, in nanoseconds, in the order they were
   * written; empty when the file does not exist.
   *
   * @throws IllegalStateException when a line is not a time in nanoseconds (at least 19 digits):
   *     this host's {@code date} does not support {@code %N}
   */
  public List<Long> clockNanos(String name) {
    List<Long> stamps = new ArrayList<>();
    for (String line : lines(name)) {
      String stamp = line.trim();
      if (!stamp.matches("[0-9]{19,}")) {
        throw new IllegalStateException("the kit's states stamp times with \"date +%s%N\", but"
            + " this host's date printed \"" + stamp + "\" into " + path(name) + ", not a time in"
            + " nanoseconds: the kit needs a date that supports %N, such as GNU coreutils' date");
      }
      stamps.add(Long.parseLong(stamp));
    }
    return stamps;
  }

  /** Creates the file {@code name} (opens a gate). */
  public void create(String name) {
    try {
      Files.write(path(name), new byte[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean exists(String name) {
    return Files.exists(path(name));
  }

  /** The lines of {@code name}; empty when it does not exist. */
  public List<String> lines(String name) {
    try {
      return Files.readAllLines(path(name), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int lineCount(String name) {
    return lines(name).size();
  }

  /** The pid written to {@code name}, or empty when the file is absent or not a pid. */
  public Optional<Long> pid(String name) {
    List<String> lines = lines(name);
    if (lines.isEmpty() || !lines.get(0).trim().matches("[0-9]+")) {
      return Optional.empty();
    }
    return Optional.of(Long.parseLong(lines.get(0).trim()));
  }

  /**
   * Whether a process runs: exists and is not a zombie (a killed orphan may stay a zombie when
   * the container's init does not reap it).
   */
  public static boolean isRunning(long pid) {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (Files.isDirectory(Path.of("/proc", "self"))) {
      try {
        String text = Files.readString(stat, StandardCharsets.UTF_8);
        int close = text.lastIndexOf(')');
        char state = close >= 0 && close + 2 < text.length() ? text.charAt(close + 2) : '?';
        return state != 'Z' && state != 'X';
      } catch (IOException e) {
        return false;
      }
    }
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * Kills any process a pid file names that still runs and was started after this scratch
   * directory (a misbehaving agent may leave one), then deletes the directory.
   */
  @Override
  public void close() {
    try (Stream<Path> files = Files.list(root)) {
      List<Path> pidFiles = new ArrayList<>();
      files.filter(p -> p.getFileName().toString().endsWith(".pid")).forEach(pidFiles::add);
      for (Path file : pidFiles) {
        pid(file.getFileName().toString()).flatMap(ProcessHandle::of).ifPresent(this::killIfOurs);
      }
    } catch (IOException ignored) {
      // best effort
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }

  private void killIfOurs(ProcessHandle process) {
    boolean startedForUs =
        process.info().startInstant().map(start -> !start.isBefore(created.minusSeconds(1)))
            .orElse(false);
    if (startedForUs && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Override
  public String toString() {
    return root.toString();
  }
}
