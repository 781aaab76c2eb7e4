package io.opsagent.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.backend.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Runs {@code bench} and {@code bench footprint} end to end against the kit's model agent in
 * its own process, with a handful of samples. Checks the shape of the output, never a timing.
 */
@Tag("slow")
@EnabledOnOs(OS.LINUX)
class BenchSmokeTest {

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  /** The model agent started with this JVM and the test classpath. */
  private static String modelAgentCommand() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    return "'" + java + "' -Xss512k -cp '" + classpath + "' io.opsagent.tck.model.ModelAgentMain"
        + " --config {config} --root {root}";
  }

  private JsonObject run(String... args) {
    int code = new BenchCommand().run(List.of(args), out, err);
    assertThat(code).as("exit code; stderr:%n%s", errBytes.toString(StandardCharsets.UTF_8))
        .isZero();
    return Json.parseStrict(outBytes.toString(StandardCharsets.UTF_8).trim()).getAsJsonObject();
  }

  @Test
  void benchReportsEveryMetricAndNoLeftoverProcess() {
    JsonObject result = run("--agent-command", modelAgentCommand(), "--json",
        "--iterations", "3", "--warmup", "1");

    assertThat(result.keySet()).containsExactly("echo_rtt", "push_latency", "release",
        "preemption", "reconnect", "leftover_processes");
    for (String metric : List.of("echo_rtt", "push_latency", "release", "preemption",
        "reconnect")) {
      JsonObject stats = result.getAsJsonObject(metric);
      assertThat(stats.keySet()).as(metric).containsExactly("n", "p50", "p90", "p99", "max");
      assertThat(stats.get("n").getAsInt()).as(metric).isEqualTo(3);
      double p50 = stats.get("p50").getAsDouble();
      double p90 = stats.get("p90").getAsDouble();
      double p99 = stats.get("p99").getAsDouble();
      double max = stats.get("max").getAsDouble();
      assertThat(p50).as(metric).isPositive().isLessThanOrEqualTo(p90);
      assertThat(p90).as(metric).isLessThanOrEqualTo(p99);
      assertThat(p99).as(metric).isLessThanOrEqualTo(max);
    }
    assertThat(result.get("leftover_processes").getAsInt()).isZero();
    assertThat(errBytes.toString(StandardCharsets.UTF_8))
        .contains("bench: measuring preemption (1 warm-up + 3 measured)");
  }

  @Test
  void footprintReportsStartupAndResidentSetOfEachRun() {
    JsonObject result = run("footprint", "--agent-command", modelAgentCommand(),
        "--json", "--runs", "1", "--idle", "1s");

    assertThat(result.keySet()).containsExactly("start_to_handshake", "start_cpu_ms", "idle_rss_mib",
        "idle_cpu_ms_per_min", "idle_wakeups_per_s", "runs");
    assertThat(result.getAsJsonObject("start_to_handshake").get("n").getAsInt()).isEqualTo(1);
    JsonObject run = result.getAsJsonArray("runs").get(0).getAsJsonObject();
    assertThat(run.get("start_to_handshake_ms").getAsDouble()).isPositive();
    // A JVM cannot reach its first Handshake without some CPU time.
    assertThat(run.get("start_cpu_ms").getAsDouble()).isPositive();
    assertThat(run.get("rss_kib").getAsLong()).isPositive();
    assertThat(run.get("hwm_kib").getAsLong()).isGreaterThanOrEqualTo(run.get("rss_kib").getAsLong());
    assertThat(run.get("threads").getAsLong()).isPositive();
    assertThat(run.get("reconnects").getAsInt()).isZero();
    // A JVM idle for a second still runs its timers: some CPU, some wake-ups.
    assertThat(run.get("idle_cpu_ms_per_min").getAsDouble()).isPositive();
    assertThat(run.get("idle_wakeups_per_s").getAsDouble()).isPositive();
    // One start before the measured one, not counted (the backend's first connection).
    assertThat(errBytes.toString(StandardCharsets.UTF_8))
        .containsSubsequence("bench footprint: warm-up 1 of 1: starting the agent",
            "bench footprint: run 1 of 1: starting the agent");
  }
}
