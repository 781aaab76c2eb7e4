package io.opsagent.bench.cli;

import io.opsagent.backend.cli.ManifestVersion;
import io.opsagent.backend.cli.ShortDuration;
import io.opsagent.backend.cli.UsageException;
import io.opsagent.bench.wire.AgentCommand;
import io.opsagent.bench.wire.BenchException;
import io.opsagent.bench.wire.BenchReport;
import io.opsagent.bench.wire.CommandAgent;
import io.opsagent.bench.wire.EndToEndBench;
import io.opsagent.bench.wire.FootprintBench;
import io.opsagent.bench.wire.WorkDirs;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code bench}: measures an agent process against the reference backend on loopback (see
 * {@code docs/benchmarks.md}); {@code bench footprint}: its start-up time and idle memory.
 */
public final class BenchCommand {

  static final int DEFAULT_ITERATIONS = 300;
  static final int DEFAULT_WARMUP = 30;
  static final int DEFAULT_RUNS = 5;
  static final int DEFAULT_WARMUP_RUNS = 1;
  static final Duration DEFAULT_IDLE = Duration.ofSeconds(60);
  static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

  /** What {@link #run} does, read from the arguments. */
  static final class Options {
    boolean footprint;
    AgentCommand agentCommand;
    boolean json;
    int iterations = DEFAULT_ITERATIONS;
    int warmup = DEFAULT_WARMUP;
    Duration pause = EndToEndBench.DEFAULT_PAUSE;
    int runs = DEFAULT_RUNS;
    int warmupRuns = DEFAULT_WARMUP_RUNS;
    Duration idle = DEFAULT_IDLE;
    Duration startTimeout = DEFAULT_START_TIMEOUT;
    boolean keep;
  }

  /** The options of both {@code bench} and {@code bench footprint}. */
  static final class AgentOptions {
    @Option(names = "--agent-command", paramLabel = "CMD", converter = AgentCommandConverter.class,
        description = "how to start the agent; required")
    AgentCommand agentCommand;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Option(names = "--start-timeout", paramLabel = "DURATION", converter = ShortDuration.class,
        defaultValue = "60s", description = "how long the agent may take to hand-shake (default 60s)")
    Duration startTimeout;
  }

  /** {@code bench}: the end-to-end latencies. */
  @Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = ManifestVersion.class,
      sortOptions = false, usageHelpWidth = 90, subcommands = Footprint.class,
      description = {
          "Starts the reference backend on 127.0.0.1 and the agent command against it, and",
          "measures at the backend (median, p90, p99 and max in ms):",
          "  echo_rtt      WebSocket echo round trip of a plain client (the baseline)",
          "  push_latency  RecipeMetadata sent -> StateLog of its first state (a comment)",
          "  release       State (DONE) of the held wait state -> StateLog of the next state",
          "  preemption    new recipe sent while a state runs sleep 600 -> its first StateLog;",
          "                leftover_processes counts processes of the old state still alive",
          "  reconnect     backend restarted -> Handshake on the new connection",
          "'bench footprint' measures process start -> first Handshake and the resident set",
          "size (VmRSS) after the agent stayed connected and idle, over several runs, after",
          "a start that is not counted (the backend's first connection, the agent's class archive).",
          "where bench is: java -cp opsagent-bench/target/benchmarks.jar"
              + " io.opsagent.bench.cli.BenchCommand",
          ""},
      footerHeading = "%n",
      footer = {
          "The agent command is split into words like a shell does (quotes, backslash), and",
          "these placeholders are replaced in every word:",
          "  {url}     the backend's WebSocket URL",
          "  {config}  an opsagent.conf for that URL ([userdata] ws_uri and app_id, [network]",
          "            instance_id = i-bench and a 50 ms reconnect, [executor] kind = native,",
          "            [round] interval and state_timeout)",
          "  {root}    a fresh root folder holding etc/opsagent.token (mode 0600)",
          "It runs in the current directory; its output goes to agent.out in a temporary folder.",
          "Example:",
          "  java -cp opsagent-bench/target/benchmarks.jar io.opsagent.bench.cli.BenchCommand \\",
          "    --agent-command \\",
          "    \"java -jar opsagent-launcher/target/opsagent.jar run --config {config} --root {root}\"",
          "",
          "Exit codes: 0 measured; 1 wrong arguments; 2 the agent did not answer in time."})
  static final class EndToEnd {
    @Mixin AgentOptions agent;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "" + DEFAULT_ITERATIONS,
        description = "measured samples per metric (default ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "" + DEFAULT_WARMUP,
        description = "samples per metric dropped first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--pause", paramLabel = "DURATION", converter = ShortDuration.class,
        defaultValue = "20ms", description = {
            "pause before each step, so that it finds the agent at rest as a real push does",
            "(default 20ms; 0s: back to back)"})
    Duration pause;

    @Option(names = "--keep", description = "keep the temporary folder with the agent's files")
    boolean keep;
  }

  /** {@code bench footprint}: start-up time and idle memory. */
  @Command(name = "footprint", mixinStandardHelpOptions = true,
      versionProvider = ManifestVersion.class, sortOptions = false, usageHelpWidth = 90,
      description = {
          "Measures process start -> first Handshake and the resident set size (VmRSS) after",
          "the agent stayed connected and idle, over several runs, after --warmup starts",
          "that are not counted.",
          ""})
  static final class Footprint {
    @Mixin AgentOptions agent;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "" + DEFAULT_RUNS,
        description = "agent starts (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "" + DEFAULT_WARMUP_RUNS,
        description = "agent starts before the runs, not counted: the backend's first"
            + " connection and a first start of the agent (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--idle", paramLabel = "DURATION", converter = ShortDuration.class,
        defaultValue = "60s",
        description = "connected idle time before the RSS is read (default 60s)")
    Duration idle;
  }

  /** {@code --agent-command}: split into words, with at least a placeholder for the backend. */
  static final class AgentCommandConverter implements ITypeConverter<AgentCommand> {
    @Override
    public AgentCommand convert(String text) {
      try {
        return AgentCommand.parse(text);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * {@code java -cp benchmarks.jar io.opsagent.bench.cli.BenchCommand [footprint] ...}; exits
   * with {@link #run}'s code.
   */
  public static void main(String[] args) {
    System.exit(new BenchCommand().run(java.util.Arrays.asList(args), System.out, System.err));
  }

  private static CommandLine commandLine(EndToEnd command, PrintStream out, PrintStream err) {
    CommandLine line = new CommandLine(command);
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line;
  }

  /** Runs with the given arguments; returns the exit code: 0 success, 1 bad arguments or input. */
  int run(List<String> args, PrintStream out, PrintStream err) {
    EndToEnd command = new EndToEnd();
    CommandLine line = commandLine(command, out, err);
    Options options;
    try {
      ParseResult parsed = line.parseArgs(args.toArray(String[]::new));
      if (CommandLine.printHelpIfRequested(parsed)) {
        return 0;
      }
      options = options(parsed, command);
    } catch (ParameterException | UsageException e) {
      CommandLine failed = e instanceof ParameterException p ? p.getCommandLine() : line;
      err.println("bench: " + e.getMessage());
      err.println();
      failed.usage(line.getErr());
      return 1;
    }
    try {
      if (options.footprint) {
        FootprintBench.Result result = new FootprintBench(
            new FootprintBench.Options(
                options.warmupRuns, options.runs, options.idle, options.startTimeout), err)
            .run(options.agentCommand);
        out.print(options.json ? BenchReport.json(result) + "\n"
            : BenchReport.table(result, options.agentCommand.toString()));
      } else {
        EndToEndBench.Result result = endToEnd(options, err);
        out.print(options.json ? BenchReport.json(result) + "\n"
            : BenchReport.table(result, options.agentCommand.toString()));
      }
      return 0;
    } catch (BenchException e) {
      err.println("bench: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("bench: " + e);
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("bench: interrupted");
      return 2;
    }
  }

  private static EndToEndBench.Result endToEnd(Options options, PrintStream err)
      throws BenchException, IOException, InterruptedException {
    Path workDir = Files.createTempDirectory("opsagent-bench-");
    CommandAgent agent = new CommandAgent(options.agentCommand);
    try {
      EndToEndBench bench = new EndToEndBench(new EndToEndBench.Options(options.iterations,
          options.warmup, options.pause, options.startTimeout, Duration.ofSeconds(10)), err);
      return bench.run(agent, workDir, agent::describe);
    } finally {
      if (options.keep) {
        err.println("bench: kept the agent's files in " + workDir);
      } else {
        WorkDirs.delete(workDir);
      }
    }
  }

  /** Reads {@code args} as {@link #run} does, without running anything. */
  static Options parse(List<String> args) throws UsageException {
    EndToEnd command = new EndToEnd();
    try {
      return options(new CommandLine(command).parseArgs(args.toArray(String[]::new)), command);
    } catch (ParameterException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The options of a parsed command line, checked for what the option types cannot say. */
  private static Options options(ParseResult parsed, EndToEnd command) throws UsageException {
    Options options = new Options();
    AgentOptions agent;
    if (parsed.hasSubcommand()) {
      Footprint footprint = parsed.subcommand().commandSpec().commandLine().getCommand();
      if (command.agent.agentCommand != null || command.agent.json
          || parsed.hasMatchedOption("--start-timeout")) {
        throw new UsageException("the options of 'bench footprint' come after the word footprint");
      }
      agent = footprint.agent;
      options.footprint = true;
      options.runs = integer(footprint.runs, "--runs", 1, 1_000);
      options.warmupRuns = integer(footprint.warmup, "--warmup", 0, 1_000);
      options.idle = footprint.idle;
    } else {
      agent = command.agent;
      options.iterations = integer(command.iterations, "--iterations", 1, 1_000_000);
      options.warmup = integer(command.warmup, "--warmup", 0, 1_000_000);
      options.pause = command.pause;
      options.keep = command.keep;
    }
    if (agent.agentCommand == null) {
      throw new UsageException("--agent-command is required");
    }
    if (agent.startTimeout.isZero()) {
      throw new UsageException("--start-timeout must be longer than zero");
    }
    options.agentCommand = agent.agentCommand;
    options.json = agent.json;
    options.startTimeout = agent.startTimeout;
    return options;
  }

  private static int integer(int value, String option, int min, int max) throws UsageException {
    if (value < min || value > max) {
      throw new UsageException(option + " must be in [" + min + ", " + max + "], was " + value);
    }
    return value;
  }

}
