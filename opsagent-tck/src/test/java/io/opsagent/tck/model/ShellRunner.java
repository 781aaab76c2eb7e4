package io.opsagent.tck.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Runs a {@code linux.cmd} command with {@code sh -c} in its own process and kills its whole
 * tree on demand. Output goes to a file, not a pipe, so a background child that keeps the
 * output open cannot hold up the result.
 */
final class ShellRunner {

  private static final int MAX_OUTPUT_BYTES = 64 * 1024;

  /** One running command. */
  static final class Execution {
    final String stateId;
    final Process process;
    final Path output;
    final long startedNanos;
    boolean timedOut;

    Execution(String stateId, Process process, Path output) {
      this.stateId = stateId;
      this.process = process;
      this.output = output;
      this.startedNanos = System.nanoTime();
    }
  }

  private final Path workDir;

  ShellRunner(Path workDir) {
    this.workDir = workDir;
  }

  Execution start(String stateId, String command) throws IOException {
    Files.createDirectories(workDir);
    Path output = Files.createTempFile(workDir, "state-", ".out");
    Process process =
        new ProcessBuilder("sh", "-c", command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    process.getOutputStream().close();
    return new Execution(stateId, process, output);
  }

  /**
   * Kills the command and every process it started. The descendants are listed before the
   * shell dies, since an orphan is no longer its descendant.
   */
  static void killTree(Process process) {
    List<ProcessHandle> descendants = process.descendants().collect(Collectors.toList());
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  /** The command's output (at most 64 KiB), and removes the output file. */
  static String takeOutput(Execution execution) {
    try (InputStream in = Files.newInputStream(execution.output)) {
      return new String(in.readNBytes(MAX_OUTPUT_BYTES), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    } finally {
      discard(execution);
    }
  }

  static void discard(Execution execution) {
    try {
      Files.deleteIfExists(execution.output);
    } catch (IOException ignored) {
      // the work directory is removed with the test
    }
  }
}
