package io.opsagent.tck.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a directory tree holds at one moment: every path under it with its kind and content (a
 * file's SHA-256, a link's target), without following links. Two snapshots are compared to show
 * that a refused install changed nothing. Internal to the kit.
 */
public final class FileTree {

  private final Path root;
  private final Map<String, String> entries;

  private FileTree(Path root, Map<String, String> entries) {
    this.root = root;
    this.entries = entries;
  }

  /** The tree under {@code root} now; empty when {@code root} does not exist. */
  public static FileTree of(Path root) {
    Map<String, String> entries = new TreeMap<>();
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return new FileTree(root, entries);
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        if (!path.equals(root)) {
          entries.put(root.relativize(path).toString(), describe(path));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    } catch (UncheckedIOException e) {
      throw new UncheckedIOException("cannot list " + root + ": " + e.getCause(), e.getCause());
    }
    return new FileTree(root, entries);
  }

  private static String describe(Path path) throws IOException {
    if (Files.isSymbolicLink(path)) {
      return "link -> " + Files.readSymbolicLink(path);
    }
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return "directory";
    }
    if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
      return "file, sha256 " + ReleaseSignatures.sha256(path);
    }
    return "special file";
  }

  /**
   * How {@code later} differs from this snapshot, one line per path that appeared, disappeared
   * or changed; empty when they are the same.
   */
  public List<String> differencesTo(FileTree later) {
    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, String> before : entries.entrySet()) {
      String after = later.entries.get(before.getKey());
      if (after == null) {
        differences.add(before.getKey() + " was removed (was " + before.getValue() + ")");
      } else if (!after.equals(before.getValue())) {
        differences.add(before.getKey() + " changed from " + before.getValue() + " to " + after);
      }
    }
    for (Map.Entry<String, String> after : later.entries.entrySet()) {
      if (!entries.containsKey(after.getKey())) {
        differences.add(after.getKey() + " appeared (" + after.getValue() + ")");
      }
    }
    return differences;
  }

  public Path root() {
    return root;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof FileTree && ((FileTree) other).entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return Objects.hash(entries);
  }

  @Override
  public String toString() {
    return root + " " + entries;
  }
}
