package io.opsagent.bench.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads a process's memory and thread figures from Linux's {@code /proc/<pid>/status}. */
final class ProcStatus {

  private ProcStatus() {}

  /** Whether this host has {@code /proc/self/status}. */
  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/status"));
  }

  /**
   * A field of {@code /proc/<pid>/status} as a number: {@code VmRSS} and {@code VmHWM} in KiB,
   * {@code Threads} as a count; empty when the process or the field is gone.
   */
  static OptionalLong field(long pid, String name) {
    String text;
    try {
      text = Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    return parse(text, name);
  }

  static OptionalLong parse(String status, String name) {
    for (String line : status.split("\n")) {
      if (line.startsWith(name + ":")) {
        String value = line.substring(name.length() + 1).trim();
        int blank = value.indexOf(' ');
        try {
          return OptionalLong.of(Long.parseLong(blank < 0 ? value : value.substring(0, blank)));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }

  /** The sum of a field over a process and all its descendants (a wrapper script and its JVM). */
  static long sumOverTree(ProcessHandle process, String name) {
    long sum = field(process.pid(), name).orElse(0);
    sum += process.descendants().mapToLong(p -> field(p.pid(), name).orElse(0)).sum();
    return sum;
  }
}
