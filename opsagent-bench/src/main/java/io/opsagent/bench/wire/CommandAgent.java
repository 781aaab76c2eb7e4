package io.opsagent.bench.wire;

import io.opsagent.tck.AgentProbe;
import io.opsagent.tck.AgentSettings;
import io.opsagent.tck.AgentUnderTest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * An agent in another process, started from an {@link AgentCommand}: writes the configuration
 * and the token file for the settings, starts the command in the current directory with its
 * output in {@code workDir/agent.out}, and stops it with SIGTERM (SIGKILL after a grace period),
 * then kills whatever it left behind.
 *
 * <p>Variables {@code OPSAGENT_*} of this process are not passed on (they would override the
 * written configuration), except the launcher script's own {@code OPSAGENT_JAVA_OPTS} and
 * {@code OPSAGENT_CDS}.
 */
public final class CommandAgent implements AgentUnderTest {

  static final String OUTPUT_FILE = "agent.out";
  private static final long STOP_GRACE_SECONDS = 10;

  private final AgentCommand command;
  private Process process;
  private long startedAtNanos;
  private Path output;
  private List<String> argv = List.of();

  public CommandAgent(AgentCommand command) {
    this.command = Objects.requireNonNull(command, "command");
  }

  @Override
  public void start(AgentSettings settings, AgentProbe probe) throws IOException {
    AgentFiles.Written files = AgentFiles.write(settings);
    argv = command.argv(Map.of(
        AgentCommand.URL, settings.backendUrl().toString(),
        AgentCommand.CONFIG, files.config().toString(),
        AgentCommand.ROOT, files.root().toString()));
    output = settings.workDir().resolve(OUTPUT_FILE);
    ProcessBuilder builder = new ProcessBuilder(argv)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
    builder.environment().keySet().removeIf(name -> name.startsWith("OPSAGENT_")
        && !name.equals("OPSAGENT_JAVA_OPTS") && !name.equals("OPSAGENT_CDS"));
    startedAtNanos = System.nanoTime();
    process = builder.start();
  }

  private static File nullDevice() {
    return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  /** {@link System#nanoTime()} just before the process was started. */
  public long startedAtNanos() {
    return startedAtNanos;
  }

  /** The process id, once started. */
  public OptionalLong pid() {
    return process == null ? OptionalLong.empty() : OptionalLong.of(process.pid());
  }

  /** The started process, or null. */
  public ProcessHandle handle() {
    return process == null ? null : process.toHandle();
  }

  /** The argument vector it was started with. */
  public List<String> argv() {
    return argv;
  }

  /**
   * Whether it still runs; if not, a description with its exit code and the end of its output
   * (for error messages).
   */
  public String describe() {
    if (process == null) {
      return "the agent was not started";
    }
    StringBuilder text = new StringBuilder("agent ").append(argv)
        .append(process.isAlive() ? " is running (pid " + process.pid() + ")"
            : " exited with code " + process.exitValue());
    List<String> tail = outputTail(20);
    if (!tail.isEmpty()) {
      text.append("; last lines of its output (").append(output).append("):");
      tail.forEach(line -> text.append("\n  ").append(line));
    }
    return text.toString();
  }

  /** The last lines of the agent's output. */
  public List<String> outputTail(int lines) {
    if (output == null || !Files.exists(output)) {
      return List.of();
    }
    try {
      List<String> all = Files.readAllLines(output, StandardCharsets.UTF_8);
      return new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return List.of("(cannot read " + output + ": " + e.getMessage() + ")");
    }
  }

  @Override
  public void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    List<ProcessHandle> descendants = new ArrayList<>();
    process.descendants().forEach(descendants::add);
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    }
    for (ProcessHandle leftover : descendants) {
      leftover.destroyForcibly();
    }
  }
}
