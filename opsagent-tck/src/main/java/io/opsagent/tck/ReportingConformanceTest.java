package io.opsagent.tck;

import com.google.gson.JsonObject;
import io.opsagent.backend.ReceivedMessage;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.StateLog;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The conformance tests of SPEC.md section R3, results and reporting: one test per testable rule of the
 * section, against the agent that {@link #createAgent()} returns. Extend it in a test source set,
 * like the class of every other section ({@link Rule.Section#conformanceTest()}), and return a
 * fresh adapter for every test (SPEC.md, "Running the kit").
 */
public abstract class ReportingConformanceTest extends ConformanceTestBase {

  @Test
  @Tag("required")
  public void required_R3_1_everyExecutedStateIsReportedOnceWithAllFields() {
    AgentSettings settings = settings().roundInterval(ms(3_000)).build();
    startAndConnect(settings);
    backend.pushRecipe(
        Recipe.version(7).comment("log-c1", "hello").cmd("log-s2", "echo log").waitFor("log-w3")
            .build());
    backend.releaseWait(7, "log-w3");

    List<StateLog> logs = awaitLogs(3, "the three states of the round");
    expectNoNewLogs(3, "exactly one StateLog per executed state");
    assertIds(logs, "log-c1", "log-s2", "log-w3");
    for (StateLog log : logs) {
      ReceivedMessage message = log.message();
      Problems problems = new Problems("StateLog " + message.text());
      problems.check(settings.instanceId().equals(log.instanceId()), "instance_id must be %s",
          settings.instanceId());
      problems.check(settings.appId().equals(log.appId()), "app_id must be %s", settings.appId());
      problems.check(Long.valueOf(7).equals(log.recipeVersion()),
          "recipe_version must be the integer 7");
      problems.check(log.result() != null, "state_result must be a boolean");
      problems.check(log.succeeded(), "state_result must be true for this state");
      problems.check(nullOrString(message, "state_comment"),
          "state_comment must be present, a string or null");
      problems.check(nullOrString(message, "state_stdout"),
          "state_stdout must be present, a string or null");
      problems.assertNone();
    }
  }

  @Test
  @Tag("required")
  public void required_R3_2_stateLogsArriveInExecutionOrder() {
    startAndConnect(settings().roundInterval(ms(100)).build());
    backend.pushRecipe(
        Recipe.version(1).cmd("ord-1", "true").cmd("ord-2", "true").cmd("ord-3", "true")
            .cmd("ord-4", "true").build());

    List<StateLog> logs = awaitLogs(8, "two rounds");
    assertIds(logs.subList(0, 8),
        "ord-1", "ord-2", "ord-3", "ord-4", "ord-1", "ord-2", "ord-3", "ord-4");
  }

  @Test
  @Tag("required")
  public void required_R3_3_linuxCmdExitStatusDecidesResult() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1)
            .cmd("exit-ok", "[ \"$(echo sh)\" = sh ] && exit 0")
            .cmd("exit-bad", "exit 3")
            .build());

    List<StateLog> logs = awaitLogs(2, "both states");
    assertIds(logs.subList(0, 2), "exit-ok", "exit-bad");
    check(logs.get(0).succeeded(), "a command that exits with 0 must succeed: %s", logs.get(0));
    check(Boolean.FALSE.equals(logs.get(1).result()),
        "a command that exits with 3 must fail: %s", logs.get(1));
  }

  @Test
  public void optional_R3_4_commandOutputIsReported() {
    startAndConnect(settings().build());
    String marker = "tck-output-" + UUID.randomUUID();
    backend.pushRecipe(Recipe.version(1).cmd("out-s1", "echo " + marker).build());

    StateLog log = awaitLogs(1, "the state").get(0);
    if (log.stdout() == null || !log.stdout().contains(marker)) {
      skipOptional("state_stdout does not carry the command's output (was: " + log.stdout() + ")");
    }
  }

  @Test
  @Tag("required")
  public void required_R3_5_unsupportedModuleFailsState() {
    startAndConnect(settings().build());
    backend.pushRecipe(
        Recipe.version(1).state("mod-u1", "tck.no_such_module", new JsonObject()).build());

    StateLog log = awaitLog(l -> "mod-u1".equals(l.id()),
        "a state of an unsupported module to be reported as failed");
    check(Boolean.FALSE.equals(log.result()),
        "a state whose module the agent does not support must fail, not be skipped: %s", log);
  }

  @Test
  public void optional_R3_6_sequenceNumbersIncrease() {
    startAndConnect(settings().roundInterval(ms(100)).build());
    backend.pushRecipe(Recipe.version(1).cmd("seq-1", "true").cmd("seq-2", "true").build());

    List<StateLog> logs = awaitLogs(4, "two rounds");
    requireSeq(logs.get(0));
    List<Long> seqs = logs.stream().map(StateLog::seq).collect(Collectors.toList());
    for (int i = 1; i < seqs.size(); i++) {
      check(seqs.get(i) != null && seqs.get(i) > seqs.get(i - 1),
          "seq must increase with every StateLog, got %s", seqs);
    }
  }
}
