package io.opsagent.tck.cli;

import java.io.PrintStream;
import java.util.List;

/** One subcommand of {@code java -jar opsagent-tck.jar}. */
interface Command {

  /** The word that selects it, for example {@code backend}. */
  String name();

  /** One line for the overall help. */
  String summary();

  /** Its own usage text. */
  String usage();

  /**
   * Runs with the arguments after the command word.
   *
   * @return the process exit code: 0 success, 1 bad arguments or input
   */
  int run(List<String> args, PrintStream out, PrintStream err);
}
