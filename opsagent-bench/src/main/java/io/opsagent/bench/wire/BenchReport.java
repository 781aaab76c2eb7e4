package io.opsagent.bench.wire;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.opsagent.backend.internal.Json;
import java.util.Locale;
import java.util.Map;

/** Prints bench results as a table for people or as one JSON object for scripts. */
public final class BenchReport {

  private BenchReport() {}

  /** The end-to-end result as a table, times in ms. */
  public static String table(EndToEndBench.Result result, String agent) {
    StringBuilder text = new StringBuilder();
    text.append("agent: ").append(agent).append('\n');
    EndToEndBench.Options options = result.options();
    text.append(String.format(Locale.ROOT,
        "samples: %d per metric after %d warm-up; %d ms pause before each step%n",
        options.iterations(), options.warmup(), options.pause().toMillis()));
    text.append(String.format(Locale.ROOT, "%-14s %6s %9s %9s %9s %9s%n",
        "metric (ms)", "n", "p50", "p90", "p99", "max"));
    for (Map.Entry<String, Stats> entry : result.metrics().entrySet()) {
      Stats s = entry.getValue();
      text.append(String.format(Locale.ROOT, "%-14s %6d %9s %9s %9s %9s%n", entry.getKey(), s.n(),
          Stats.format(s.p50()), Stats.format(s.p90()), Stats.format(s.p99()),
          Stats.format(s.max())));
    }
    text.append("leftover_processes: ").append(result.leftoverProcesses()).append('\n');
    text.append(String.format(Locale.ROOT,
        "start to first Handshake: %.0f ms (one sample; see bench footprint)%n",
        result.startToHandshakeMillis()));
    return text.toString();
  }

  /**
   * The end-to-end result as one JSON object: each metric as {@code {"n", "p50", "p90", "p99",
   * "max"}} in ms, and {@code "leftover_processes"}.
   */
  public static String json(EndToEndBench.Result result) {
    JsonObject object = new JsonObject();
    result.metrics().forEach((name, stats) -> object.add(name, json(stats)));
    object.addProperty("leftover_processes", result.leftoverProcesses());
    return Json.write(object);
  }

  static JsonObject json(Stats stats) {
    JsonObject object = new JsonObject();
    object.addProperty("n", stats.n());
    object.addProperty("p50", round(stats.p50()));
    object.addProperty("p90", round(stats.p90()));
    object.addProperty("p99", round(stats.p99()));
    object.addProperty("max", round(stats.max()));
    return object;
  }

  /** Three decimals: microseconds for times in ms. */
  static double round(double value) {
    return Math.round(value * 1000.0) / 1000.0;
  }

  /** The footprint result as a table. */
  public static String table(FootprintBench.Result result, String agent) {
    StringBuilder text = new StringBuilder();
    text.append("agent: ").append(agent).append('\n');
    text.append(String.format(Locale.ROOT, "%-4s %22s %15s %14s %14s %8s %11s %18s %14s%n",
        "run", "start→Handshake (ms)", "start CPU (ms)", "idle RSS (MiB)", "peak RSS (MiB)", "threads", "reconnects",
        "idle CPU (ms/min)", "wake-ups (/s)"));
    int i = 0;
    for (FootprintBench.Run run : result.runs()) {
      text.append(String.format(Locale.ROOT, "%-4d %22.0f %15.0f %14.1f %14.1f %8d %11d %18.1f %14.1f%n",
          ++i, run.startToHandshakeMillis(), run.startCpuMillis(), run.rssKib() / 1024.0, run.hwmKib() / 1024.0,
          run.threads(), run.reconnects(), run.idleCpuMillisPerMinute(), run.idleWakeupsPerSecond()));
    }
    Stats start = result.startToHandshake();
    Stats startCpu = result.startCpuMillis();
    Stats rss = result.idleRssMib();
    Stats cpu = result.idleCpuMillisPerMinute();
    Stats wakeups = result.idleWakeupsPerSecond();
    text.append(String.format(Locale.ROOT,
        "median: start→Handshake %.0f ms (max %.0f), start CPU %.0f ms (max %.0f), idle RSS %.1f MiB (max %.1f), "
            + "idle CPU %.1f ms/min = %.2f s/h (max %.1f ms/min), %.1f wake-ups/s%n",
        start.p50(), start.max(), startCpu.p50(), startCpu.max(), rss.p50(), rss.max(), cpu.p50(), cpu.p50() * 60 / 1000, cpu.max(),
        wakeups.p50()));
    return text.toString();
  }

  /**
   * The footprint result as one JSON object: {@code start_to_handshake} and {@code start_cpu_ms}
   * (ms), {@code idle_rss_mib} and the idle CPU summaries, and every run.
   */
  public static String json(FootprintBench.Result result) {
    JsonObject object = new JsonObject();
    object.add("start_to_handshake", json(result.startToHandshake()));
    object.add("start_cpu_ms", json(result.startCpuMillis()));
    object.add("idle_rss_mib", json(result.idleRssMib()));
    object.add("idle_cpu_ms_per_min", json(result.idleCpuMillisPerMinute()));
    object.add("idle_wakeups_per_s", json(result.idleWakeupsPerSecond()));
    JsonArray runs = new JsonArray();
    for (FootprintBench.Run run : result.runs()) {
      JsonObject item = new JsonObject();
      item.addProperty("start_to_handshake_ms", round(run.startToHandshakeMillis()));
      item.addProperty("start_cpu_ms", round(run.startCpuMillis()));
      item.addProperty("rss_kib", run.rssKib());
      item.addProperty("hwm_kib", run.hwmKib());
      item.addProperty("threads", run.threads());
      item.addProperty("reconnects", run.reconnects());
      item.addProperty("idle_cpu_ms_per_min", round(run.idleCpuMillisPerMinute()));
      item.addProperty("idle_wakeups_per_s", round(run.idleWakeupsPerSecond()));
      runs.add(item);
    }
    object.add("runs", runs);
    return Json.write(object);
  }
}
