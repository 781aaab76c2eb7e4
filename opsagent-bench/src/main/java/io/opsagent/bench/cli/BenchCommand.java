package io.opsagent.bench.cli;

import io.opsagent.backend.cli.BackendCommand;
import io.opsagent.backend.cli.UsageException;
import io.opsagent.bench.wire.AgentCommand;
import io.opsagent.bench.wire.BenchException;
import io.opsagent.bench.wire.BenchReport;
import io.opsagent.bench.wire.CommandAgent;
import io.opsagent.bench.wire.EndToEndBench;
import io.opsagent.bench.wire.FootprintBench;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code bench}: measures an agent process against the reference backend on loopback (see
 * {@code docs/benchmarks.md}); {@code bench footprint}: its start-up time and idle memory.
 */
public final class BenchCommand {

  static final int DEFAULT_ITERATIONS = 300;
  static final int DEFAULT_WARMUP = 30;
  static final int DEFAULT_RUNS = 5;
  static final Duration DEFAULT_IDLE = Duration.ofSeconds(60);
  static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

  /** Parsed arguments. */
  static final class Options {
    boolean footprint;
    AgentCommand agentCommand;
    boolean json;
    int iterations = DEFAULT_ITERATIONS;
    int warmup = DEFAULT_WARMUP;
    Duration pause = EndToEndBench.DEFAULT_PAUSE;
    int runs = DEFAULT_RUNS;
    Duration idle = DEFAULT_IDLE;
    Duration startTimeout = DEFAULT_START_TIMEOUT;
    boolean keep;
  }

  /**
   * {@code java -cp benchmarks.jar io.opsagent.bench.cli.BenchCommand [footprint] ...}; exits
   * with {@link #run}'s code.
   */
  public static void main(String[] args) {
    System.exit(new BenchCommand().run(java.util.Arrays.asList(args), System.out, System.err));
  }

  String usage() {
    return "usage: bench --agent-command CMD [--json]\n"
        + "           [--iterations N] [--warmup N] [--pause DURATION] [--start-timeout DURATION]\n"
        + "           [--keep]\n"
        + "       bench footprint --agent-command CMD [--json]\n"
        + "           [--runs N] [--idle DURATION] [--start-timeout DURATION]\n"
        + "where bench is: java -cp opsagent-bench/target/benchmarks.jar "
        + BenchCommand.class.getName() + "\n"
        + "\n"
        + "Starts the reference backend on 127.0.0.1 and the agent command against it, and\n"
        + "measures at the backend (median, p90, p99 and max in ms):\n"
        + "  echo_rtt      WebSocket echo round trip of a plain client (the baseline)\n"
        + "  push_latency  RecipeMetadata sent -> StateLog of its first state (a comment)\n"
        + "  release       State (DONE) of the held wait state -> StateLog of the next state\n"
        + "  preemption    new recipe sent while a state runs sleep 600 -> its first StateLog;\n"
        + "                leftover_processes counts processes of the old state still alive\n"
        + "  reconnect     backend restarted -> Handshake on the new connection\n"
        + "'bench footprint' measures process start -> first Handshake and the resident set\n"
        + "size (VmRSS) after the agent stayed connected and idle, over several runs.\n"
        + "\n"
        + "The agent command is split into words like a shell does (quotes, backslash), and\n"
        + "these placeholders are replaced in every word:\n"
        + "  {url}     the backend's WebSocket URL\n"
        + "  {config}  an opsagent.conf for that URL ([userdata] ws_uri and app_id, [network]\n"
        + "            instance_id = i-bench and a 50 ms reconnect, [executor] kind = native,\n"
        + "            [round] interval and state_timeout)\n"
        + "  {root}    a fresh root folder holding etc/opsagent.token (mode 0600)\n"
        + "It runs in the current directory; its output goes to agent.out in a temporary folder.\n"
        + "Example:\n"
        + "  java -cp opsagent-bench/target/benchmarks.jar " + BenchCommand.class.getName()
        + " --agent-command \\\n"
        + "    \"java -jar opsagent-launcher/target/opsagent.jar run --config {config} --root {root}\"\n"
        + "\n"
        + "options:\n"
        + "  --agent-command CMD      how to start the agent; required\n"
        + "  --json                   print one JSON object instead of the table\n"
        + "  --iterations N           measured samples per metric (default " + DEFAULT_ITERATIONS
        + ")\n"
        + "  --warmup N               samples per metric dropped first (default " + DEFAULT_WARMUP
        + ")\n"
        + "  --pause DURATION         pause before each step, so that it finds the agent at rest\n"
        + "                           as a real push does (default 20ms; 0s: back to back)\n"
        + "  --runs N                 footprint: agent starts (default " + DEFAULT_RUNS + ")\n"
        + "  --idle DURATION          footprint: connected idle time before the RSS is read\n"
        + "                           (default 60s)\n"
        + "  --start-timeout DURATION how long the agent may take to hand-shake (default 60s)\n"
        + "  --keep                   keep the temporary folder with the agent's files\n"
        + "  --help                   print this help\n"
        + "\n"
        + "Exit codes: 0 measured; 1 wrong arguments; 2 the agent did not answer in time.\n";
  }

  /** Runs with the given arguments; returns the exit code: 0 success, 1 bad arguments or input. */
  int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.print(usage());
      return 0;
    }
    Options options;
    try {
      options = parse(args);
    } catch (UsageException e) {
      err.println("bench: " + e.getMessage());
      err.print(usage());
      return 1;
    }
    try {
      if (options.footprint) {
        FootprintBench.Result result = new FootprintBench(
            new FootprintBench.Options(options.runs, options.idle, options.startTimeout), err)
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
        deleteTree(workDir);
      }
    }
  }

  static Options parse(List<String> args) throws UsageException {
    Options options = new Options();
    int start = 0;
    if (!args.isEmpty() && args.get(0).equals("footprint")) {
      options.footprint = true;
      start = 1;
    }
    for (int i = start; i < args.size(); i++) {
      String option = args.get(i);
      switch (option) {
        case "--agent-command":
          options.agentCommand = agentCommand(rawValue(args, ++i, option));
          break;
        case "--json":
          options.json = true;
          break;
        case "--iterations":
          options.iterations = integer(value(args, ++i, option), option, 1, 1_000_000);
          break;
        case "--warmup":
          options.warmup = integer(value(args, ++i, option), option, 0, 1_000_000);
          break;
        case "--pause":
          options.pause = BackendCommand.duration(value(args, ++i, option), option);
          break;
        case "--runs":
          options.runs = integer(value(args, ++i, option), option, 1, 1_000);
          break;
        case "--idle":
          options.idle = BackendCommand.duration(value(args, ++i, option), option);
          break;
        case "--start-timeout":
          options.startTimeout = BackendCommand.duration(value(args, ++i, option), option);
          if (options.startTimeout.isZero()) {
            throw new UsageException("--start-timeout must be longer than zero");
          }
          break;
        case "--keep":
          options.keep = true;
          break;
        default:
          throw new UsageException(option.startsWith("-") ? "unknown option: " + option
              : "unexpected argument: " + option);
      }
    }
    if (options.agentCommand == null) {
      throw new UsageException("--agent-command is required");
    }
    boolean endToEndOnly = args.contains("--iterations") || args.contains("--warmup")
        || args.contains("--pause") || args.contains("--keep");
    boolean footprintOnly = args.contains("--runs") || args.contains("--idle");
    if (options.footprint && endToEndOnly) {
      throw new UsageException("--iterations, --warmup, --pause and --keep are not options of"
          + " 'bench footprint'");
    }
    if (!options.footprint && footprintOnly) {
      throw new UsageException("--runs and --idle are options of 'bench footprint'");
    }
    return options;
  }

  private static AgentCommand agentCommand(String text) throws UsageException {
    try {
      return AgentCommand.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--agent-command: " + e.getMessage());
    }
  }

  /** A value that may start with dashes (an agent command may begin with anything). */
  private static String rawValue(List<String> args, int index, String option)
      throws UsageException {
    if (index >= args.size()) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(index);
  }

  private static String value(List<String> args, int index, String option)
      throws UsageException {
    if (index >= args.size() || args.get(index).startsWith("--")) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(index);
  }

  private static int integer(String text, String option, int min, int max)
      throws UsageException {
    try {
      int value = Integer.parseInt(text);
      if (value < min || value > max) {
        throw new UsageException(option + " must be in [" + min + ", " + max + "], was " + text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be an integer, was " + text);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a temporary folder
    }
  }
}
