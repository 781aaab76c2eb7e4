package io.opsagent.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.backend.cli.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

  private static final String AGENT = "java -jar opsagent.jar run --config {config} --root {root}";

  @Test
  void defaultsApplyWhenOnlyTheAgentCommandIsGiven() throws UsageException {
    BenchCommand.Options options = BenchCommand.parse(List.of("--agent-command", AGENT));
    assertThat(options.footprint).isFalse();
    assertThat(options.agentCommand.words()).containsExactly("java", "-jar", "opsagent.jar", "run",
        "--config", "{config}", "--root", "{root}");
    assertThat(options.json).isFalse();
    assertThat(options.iterations).isEqualTo(BenchCommand.DEFAULT_ITERATIONS);
    assertThat(options.warmup).isEqualTo(BenchCommand.DEFAULT_WARMUP);
    assertThat(options.pause).isEqualTo(Duration.ofMillis(20));
    assertThat(options.startTimeout).isEqualTo(Duration.ofSeconds(60));
    assertThat(options.keep).isFalse();
  }

  @Test
  void everyOptionIsRead() throws UsageException {
    BenchCommand.Options options = BenchCommand.parse(List.of("--json", "--iterations", "1000",
        "--warmup", "0", "--agent-command", "--odd-agent {url}", "--start-timeout", "2m",
        "--keep", "--pause", "0s"));
    assertThat(options.json).isTrue();
    assertThat(options.iterations).isEqualTo(1000);
    assertThat(options.warmup).isZero();
    assertThat(options.agentCommand.words()).containsExactly("--odd-agent", "{url}");
    assertThat(options.startTimeout).isEqualTo(Duration.ofMinutes(2));
    assertThat(options.keep).isTrue();
    assertThat(options.pause).isZero();
  }

  @Test
  void footprintTakesRunsAndIdle() throws UsageException {
    BenchCommand.Options options = BenchCommand.parse(
        List.of("footprint", "--agent-command", AGENT, "--runs", "3", "--idle", "500ms"));
    assertThat(options.footprint).isTrue();
    assertThat(options.runs).isEqualTo(3);
    assertThat(options.idle).isEqualTo(Duration.ofMillis(500));
    BenchCommand.Options defaults = BenchCommand.parse(List.of("footprint", "--agent-command", AGENT));
    assertThat(defaults.idle).isEqualTo(Duration.ofSeconds(60));
    assertThat(defaults.warmupRuns).isEqualTo(1);
    assertThat(BenchCommand.parse(List.of("footprint", "--agent-command", AGENT, "--warmup", "0"))
        .warmupRuns).isZero();
  }

  @Test
  void wrongArgumentsAreNamed() {
    assertThatThrownBy(() -> BenchCommand.parse(List.of()))
        .hasMessage("--agent-command is required");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command")))
        .hasMessage("Missing required parameter for option '--agent-command' (CMD)");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", "agent --root {root}")))
        .hasMessageContaining("Invalid value for option '--agent-command': the agent command names"
            + " neither {url} nor {config}");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", AGENT, "--iterations",
        "0"))).hasMessage("--iterations must be in [1, 1000000], was 0");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", AGENT, "--warmup",
        "many"))).hasMessage("Invalid value for option '--warmup': 'many' is not an int");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", AGENT, "--iterations")))
        .hasMessage("Missing required parameter for option '--iterations' (N)");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", AGENT, "--verbose")))
        .hasMessage("Unknown option: '--verbose'");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", AGENT, "now")))
        .hasMessage("Unmatched argument at index 2: 'now'");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", AGENT, "--runs", "2")))
        .hasMessage("Unknown options: '--runs', '2'");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("footprint", "--agent-command", AGENT,
        "--iterations", "5"))).hasMessage("Unknown options: '--iterations', '5'");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("footprint", "--agent-command", AGENT,
        "--pause", "0s"))).hasMessage("Unknown options: '--pause', '0s'");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", AGENT, "footprint")))
        .hasMessage("the options of 'bench footprint' come after the word footprint");
    assertThatThrownBy(() -> BenchCommand.parse(List.of("--agent-command", AGENT,
        "--start-timeout", "0s"))).hasMessage("--start-timeout must be longer than zero");
  }

  @Test
  void usageErrorsExitWithOneAndHelpWithZero() {
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    assertThat(new BenchCommand().run(List.of("--iterations", "3"), out, err)).isEqualTo(1);
    assertThat(errBytes.toString(StandardCharsets.UTF_8))
        .contains("bench: --agent-command is required").contains("Usage: bench ");
    assertThat(new BenchCommand().run(List.of("--help"), out, err)).isZero();
    assertThat(outBytes.toString(StandardCharsets.UTF_8))
        .contains("{config}").contains("push_latency").contains("bench footprint")
        .contains("--iterations=N", "(default 300)", "Exit codes: 0 measured");
  }

  @Test
  void footprintHasItsOwnHelpAndItsUsageErrorsShowIt() {
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    assertThat(new BenchCommand().run(List.of("footprint", "--help"), out, err)).isZero();
    assertThat(outBytes.toString(StandardCharsets.UTF_8))
        .contains("Usage: bench footprint").contains("--runs=N", "--idle=DURATION")
        .doesNotContain("--iterations");
    assertThat(new BenchCommand().run(List.of("footprint", "--agent-command", AGENT, "--keep"),
        out, err)).isEqualTo(1);
    assertThat(errBytes.toString(StandardCharsets.UTF_8))
        .contains("bench: Unknown option: '--keep'").contains("Usage: bench footprint");
  }
}
