package io.opsagent.tck;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints a per-rule summary after a test run: for every class that ran conformance tests, how
 * many passed, failed and were skipped in each SPEC section, the failures and skips with their
 * rule ids, and a verdict over the sections the class covers; then the sections no class of the
 * run covered. Registered through {@code META-INF/services}, so any JUnit Platform
 * run that has the kit on its class path prints it (Maven Surefire included). Set the system
 * property {@value #REPORT_FILE_PROPERTY} to also append the summary to a file.
 */
public final class ConformanceSummaryListener implements TestExecutionListener {

  /** System property naming a file the summary is appended to. */
  public static final String REPORT_FILE_PROPERTY = "opsagent.tck.reportFile";

  private enum Status {
    PASSED,
    FAILED,
    SKIPPED
  }

  private static final class Outcome {
    final Rule rule;
    final String method;
    final Status status;
    final String reason;

    Outcome(Rule rule, String method, Status status, String reason) {
      this.rule = rule;
      this.method = method;
      this.status = status;
      this.reason = reason;
    }

    boolean untested() {
      return method.startsWith("untested_");
    }

    boolean required() {
      return method.startsWith("required_");
    }
  }

  private final Map<String, List<Outcome>> outcomes = new LinkedHashMap<>();
  private final PrintStream out;

  /** Prints to {@link System#out}. */
  public ConformanceSummaryListener() {
    this(System.out);
  }

  ConformanceSummaryListener(PrintStream out) {
    this.out = out;
  }

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    record(test, Status.SKIPPED, reason);
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    Status status;
    switch (result.getStatus()) {
      case SUCCESSFUL:
        status = Status.PASSED;
        break;
      case ABORTED:
        status = Status.SKIPPED;
        break;
      default:
        status = Status.FAILED;
        break;
    }
    String reason = result.getThrowable().map(Throwable::getMessage).orElse(null);
    record(test, status, reason);
  }

  private void record(TestIdentifier test, Status status, String reason) {
    if (!test.isTest()) {
      return;
    }
    MethodSource source =
        test.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
            .orElse(null);
    if (source == null) {
      return;
    }
    Rule rule = Rule.ofTestName(source.getMethodName());
    if (rule == null) {
      return;
    }
    synchronized (outcomes) {
      outcomes
          .computeIfAbsent(source.getClassName(), k -> new ArrayList<>())
          .add(new Outcome(rule, source.getMethodName(), status, firstLine(reason)));
    }
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    String report;
    synchronized (outcomes) {
      if (outcomes.isEmpty()) {
        return;
      }
      StringBuilder text = new StringBuilder();
      outcomes.forEach((testClass, list) -> summarise(testClass, list, text));
      notRun(outcomes.values(), text);
      outcomes.clear();
      report = text.toString();
    }
    out.print(report);
    out.flush();
    String file = System.getProperty(REPORT_FILE_PROPERTY);
    if (file != null && !file.isBlank()) {
      try {
        Files.writeString(Path.of(file), report, StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        out.println("[opsagent-tck] could not write " + file + ": " + e);
      }
    }
  }

  /** Names the sections no class of the run covered: an implementation extends every one. */
  static void notRun(Collection<List<Outcome>> runs, StringBuilder text) {
    Set<Rule.Section> missing = EnumSet.allOf(Rule.Section.class);
    runs.forEach(list -> list.forEach(outcome -> missing.remove(outcome.rule.section())));
    for (Rule.Section section : missing) {
      text.append("[opsagent-tck] no test of section ").append(section.name()).append(' ')
          .append(section.title()).append(" ran: extend ")
          .append(section.conformanceTest().getSimpleName()).append(" too\n");
    }
  }

  static void summarise(String testClass, List<Outcome> list, StringBuilder text) {
    String p = "[opsagent-tck] ";
    text.append(p).append("conformance of ").append(testClass).append('\n');
    Map<Rule.Section, int[]> sections = new EnumMap<>(Rule.Section.class);
    int requiredTotal = 0;
    int requiredPassed = 0;
    int requiredFailed = 0;
    int optionalPassed = 0;
    int optionalFailed = 0;
    int optionalSkipped = 0;
    int untested = 0;
    for (Outcome outcome : list) {
      int[] counts = sections.computeIfAbsent(outcome.rule.section(), s -> new int[3]);
      counts[outcome.status.ordinal()]++;
      if (outcome.untested()) {
        untested++;
      } else if (outcome.required()) {
        requiredTotal++;
        requiredPassed += outcome.status == Status.PASSED ? 1 : 0;
        requiredFailed += outcome.status == Status.FAILED ? 1 : 0;
      } else {
        optionalPassed += outcome.status == Status.PASSED ? 1 : 0;
        optionalFailed += outcome.status == Status.FAILED ? 1 : 0;
        optionalSkipped += outcome.status == Status.SKIPPED ? 1 : 0;
      }
    }
    sections.forEach(
        (section, counts) ->
            text.append(p)
                .append(String.format("  %-3s %-26s %3d passed %3d failed %3d skipped%n",
                    section.name(), section.title(), counts[0], counts[1], counts[2])));
    text.append(p)
        .append(String.format(
            "  required: %d of %d passed; optional: %d passed, %d failed, %d skipped;"
                + " not verifiable by the kit: %d%n",
            requiredPassed, requiredTotal, optionalPassed, optionalFailed, optionalSkipped,
            untested));
    for (Outcome outcome : list) {
      if (outcome.status == Status.FAILED) {
        text.append(p).append("  FAILED  [").append(outcome.rule.id()).append("] ")
            .append(outcome.method).append('\n');
      } else if (outcome.status == Status.SKIPPED && !outcome.untested()) {
        text.append(p).append("  skipped [").append(outcome.rule.id()).append("] ")
            .append(outcome.method).append(": ").append(outcome.reason).append('\n');
      }
    }
    int requiredSkipped = requiredTotal - requiredPassed - requiredFailed;
    long requiredInKit = sections.keySet().stream()
        .flatMap(section -> Arrays.stream(section.conformanceTest().getDeclaredMethods()))
        .filter(m -> m.getName().startsWith("required_"))
        .count();
    String verdict;
    if (requiredFailed > 0) {
      verdict = "NOT CONFORMANT: " + requiredFailed + " required test(s) failed";
    } else if (requiredSkipped > 0) {
      verdict = "INCOMPLETE: " + requiredSkipped + " required test(s) skipped";
    } else if (requiredTotal < requiredInKit) {
      verdict = "PARTIAL RUN: " + requiredTotal + " of " + requiredInKit
          + " required tests ran, all passed";
    } else {
      verdict = "CONFORMANT: all " + requiredTotal + " required tests passed";
    }
    text.append(p).append("  verdict: ").append(verdict).append('\n');
  }
}
