package io.opsagent.tck.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar opsagent-tck.jar <command> [options]}: the kit's tools as subcommands
 * ({@code backend}, {@code bench}); each command is a {@link Command} registered here.
 */
public final class TckMain {

  private final Map<String, Command> commands = new LinkedHashMap<>();

  TckMain() {
    register(new BackendCommand());
    register(new BenchCommand());
  }

  private void register(Command command) {
    commands.put(command.name(), command);
  }

  public static void main(String[] args) {
    int code = new TckMain().run(Arrays.asList(args), System.out, System.err);
    System.exit(code);
  }

  /** Dispatches to a command; returns the exit code. */
  int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty()) {
      err.println("opsagent-tck: no command given");
      err.print(usage());
      return 1;
    }
    String first = args.get(0);
    if (first.equals("help") || first.equals("--help") || first.equals("-h")) {
      if (args.size() > 1 && commands.containsKey(args.get(1))) {
        out.print(commands.get(args.get(1)).usage());
      } else {
        out.print(usage());
      }
      return 0;
    }
    Command command = commands.get(first);
    if (command == null) {
      err.println("opsagent-tck: unknown command: " + first);
      err.print(usage());
      return 1;
    }
    return command.run(args.subList(1, args.size()), out, err);
  }

  String usage() {
    StringBuilder text = new StringBuilder(
        "usage: java -jar opsagent-tck.jar <command> [options]\n\ncommands:\n");
    for (Command command : commands.values()) {
      text.append(String.format("  %-10s %s%n", command.name(), command.summary()));
    }
    text.append(String.format("  %-10s %s%n", "help", "print this help, or a command's"
        + " (help <command>)"));
    return text.toString();
  }
}
