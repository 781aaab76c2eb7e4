package io.opsagent.bench.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU time and the number of times on a CPU of a process tree's threads, from Linux's
 * {@code /proc/<pid>/task/<tid>/schedstat}: three numbers, the time on a CPU (ns), the time
 * waiting for one (ns), and the number of time slices run. A thread that sleeps and is woken
 * starts a new time slice, so the third number counts wake-ups (plus preemptions, which an idle
 * process hardly has). Threads that end between two samples are not counted.
 */
final class ProcSchedStat {

  /** The figures of every thread of a process tree at one moment, by thread id. */
  record Sample(Map<Long, long[]> threads) {

    /** The CPU time of all threads, ns. */
    long cpuNanos() {
      return threads.values().stream().mapToLong(f -> f[0]).sum();
    }

    /** The time slices of all threads. */
    long slices() {
      return threads.values().stream().mapToLong(f -> f[2]).sum();
    }

    /**
     * What the threads did since {@code earlier}: a thread in both samples counts its
     * difference, a thread that started since counts all of its figures, and a thread that
     * ended since counts nothing (so a sum never goes down when a pool's idle thread exits).
     */
    Sample since(Sample earlier) {
      Map<Long, long[]> diff = new HashMap<>();
      threads.forEach((tid, now) -> {
        long[] before = earlier.threads.getOrDefault(tid, new long[3]);
        diff.put(tid, new long[] {now[0] - before[0], now[1] - before[1], now[2] - before[2]});
      });
      return new Sample(diff);
    }
  }

  private ProcSchedStat() {}

  /** Whether this kernel has schedstat files (CONFIG_SCHED_INFO). */
  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/schedstat"));
  }

  /** The threads of {@code process} and of its descendants. */
  static Sample sumOverTree(ProcessHandle process) {
    Map<Long, long[]> threads = new HashMap<>();
    addProcess(process.pid(), threads);
    for (ProcessHandle child : (Iterable<ProcessHandle>) process.descendants()::iterator) {
      addProcess(child.pid(), threads);
    }
    return new Sample(threads);
  }

  private static void addProcess(long pid, Map<Long, long[]> threads) {
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        String text = read(task.resolve("schedstat"));
        if (!text.isEmpty()) {
          threads.put(Long.parseLong(task.getFileName().toString()), parse(text));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the process is gone: it counts nothing
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return ""; // the thread ended
    }
  }

  /** The three numbers of a schedstat line; zeros for an empty or unreadable one. */
  static long[] parse(String line) {
    String[] words = line.trim().split("\\s+");
    long[] fields = new long[3];
    if (words.length < 3) {
      return fields;
    }
    try {
      for (int i = 0; i < 3; i++) {
        fields[i] = Long.parseLong(words[i]);
      }
    } catch (NumberFormatException e) {
      return new long[3];
    }
    return fields;
  }
}
