package io.opsagent.tck.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time and the number of times on a CPU of a process tree's threads, from Linux's
 * {@code /proc/<pid>/task/<tid>/schedstat}: three numbers, the time on a CPU (ns), the time
 * waiting for one (ns), and the number of time slices run. A thread that sleeps and is woken
 * starts a new time slice, so the third number counts wake-ups (plus preemptions, which an idle
 * process hardly has). Threads that end between two samples are not counted.
 */
final class ProcSchedStat {

  /** The sums over every thread of a process tree at one moment. */
  record Sample(long cpuNanos, long slices) {

    /** This sample minus an earlier one. */
    Sample since(Sample earlier) {
      return new Sample(cpuNanos - earlier.cpuNanos, slices - earlier.slices);
    }
  }

  private ProcSchedStat() {}

  /** Whether this kernel has schedstat files (CONFIG_SCHED_INFO). */
  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/schedstat"));
  }

  /** The sums over the threads of {@code process} and of its descendants. */
  static Sample sumOverTree(ProcessHandle process) {
    Sample sum = ofProcess(process.pid());
    for (ProcessHandle child : (Iterable<ProcessHandle>) process.descendants()::iterator) {
      Sample s = ofProcess(child.pid());
      sum = new Sample(sum.cpuNanos + s.cpuNanos, sum.slices + s.slices);
    }
    return sum;
  }

  private static Sample ofProcess(long pid) {
    long cpu = 0;
    long slices = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        long[] fields = parse(read(task.resolve("schedstat")));
        cpu += fields[0];
        slices += fields[2];
      }
    } catch (IOException e) {
      // the process is gone: it counts nothing
    }
    return new Sample(cpu, slices);
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
