package io.opsagent.tck.model;

import com.google.gson.JsonElement;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/** The round lifecycle of the model agent (SPEC R2). Used only on the agent's loop thread. */
final class Rounds {

  /** One state of the loaded recipe. */
  static final class StateSpec {
    final String id;
    final String module;
    final JsonElement parameter;

    StateSpec(String id, String module, JsonElement parameter) {
      this.id = id;
      this.module = module;
      this.parameter = parameter;
    }
  }

  private enum Phase {
    /** No recipe, or nothing to run. */
    IDLE,
    /** A state is running. */
    RUNNING,
    /** Held at an unreleased wait state. */
    WAITING,
    /** The round ceased; the next starts after the backoff. */
    BACKOFF,
    /** The round succeeded; the next starts after the round interval. */
    INTERVAL
  }

  private final ModelAgent agent;
  private final ShellRunner shell;

  private Long version;
  private List<StateSpec> states = List.of();
  private final Set<String> released = new HashSet<>();
  private Phase phase = Phase.IDLE;
  private int index;
  private boolean retrying;
  private int ceasedRounds;
  private long generation;
  private ShellRunner.Execution running;
  private ScheduledFuture<?> timer;
  private ScheduledFuture<?> timeout;
  private String[] pendingUpgrade;
  private Runnable deferredRecipe;

  Rounds(ModelAgent agent, ShellRunner shell) {
    this.agent = agent;
    this.shell = shell;
  }

  /** A recipe arrived; {@code newStates} is null for a header-only recipe. */
  void onRecipe(long newVersion, List<StateSpec> newStates) {
    if (version != null && version == newVersion
        && !agent.breaks(Breakage.RESTARTS_ON_SAME_VERSION)) {
      return; // same version: ignored
    }
    if ((newStates == null && agent.breaks(Breakage.IGNORES_HEADER_ONLY_RECIPE))
        || (newStates != null && newStates.isEmpty()
            && agent.breaks(Breakage.IGNORES_EMPTY_RECIPE))) {
      return;
    }
    if (phase == Phase.BACKOFF && agent.breaks(Breakage.NEW_RECIPE_WAITS_FOR_BACKOFF)) {
      version = newVersion; // the backoff's timer starts the new recipe's round
      released.clear();
      if (newStates != null) {
        states = List.copyOf(newStates);
      }
      return;
    }
    if (running != null && !agent.killsRunningStateOnNewRecipe()) {
      deferredRecipe = () -> onRecipe(newVersion, newStates);
      return;
    }
    cease();
    version = newVersion;
    released.clear();
    ceasedRounds = 0;
    if (newStates != null) {
      states = List.copyOf(newStates);
    }
    if (states.isEmpty()) {
      phase = Phase.IDLE;
      upgradeIfPending();
    } else {
      startRound();
    }
  }

  void onRelease(long forVersion, List<String> ids) {
    if (version == null
        || (forVersion != version && !agent.breaks(Breakage.RELEASE_IGNORES_VERSION))) {
      return;
    }
    if (agent.breaks(Breakage.FORGETS_EARLY_RELEASE)
        && !(phase == Phase.WAITING && ids.contains(states.get(index).id))) {
      return;
    }
    released.addAll(ids);
    if (phase == Phase.WAITING && released.contains(states.get(index).id)) {
      stateFinished(true, null, null);
    }
  }

  void onUpgradeOrder(String upgradeVersion, String url) {
    boolean inRound = phase == Phase.RUNNING || phase == Phase.WAITING
        || (phase == Phase.INTERVAL && agent.breaks(Breakage.DEFERS_UPGRADE_BETWEEN_ROUNDS));
    if (inRound && agent.defersUpgradeUntilRoundEnds()) {
      pendingUpgrade = new String[] {upgradeVersion, url};
    } else {
      pendingUpgrade = null;
      agent.upgradeStarted(upgradeVersion, url);
    }
  }

  /** A WaitQuery is due when the round is held at a wait state (also after a reconnect). */
  Long waitingVersion() {
    return phase == Phase.WAITING ? version : null;
  }

  void shutdown() {
    cease();
    deferredRecipe = null;
  }

  private void cease() {
    generation++;
    if (running != null) {
      ShellRunner.killTree(running.process);
      ShellRunner.discard(running);
      running = null;
    }
    cancel(timer);
    cancel(timeout);
    timer = null;
    timeout = null;
    phase = Phase.IDLE;
  }

  private static void cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }

  private void startRound() {
    if (agent.breaks(Breakage.RELEASE_LASTS_ONE_ROUND)) {
      released.clear();
    }
    retrying = false;
    index = 0;
    phase = Phase.RUNNING;
    runCurrent();
  }

  private void runCurrent() {
    if (index >= states.size()) {
      roundSucceeded();
      return;
    }
    StateSpec state = states.get(index);
    phase = Phase.RUNNING;
    switch (state.module) {
      case "meta.comment":
        if (agent.breaks(Breakage.RUNS_COMMENT_STATES)) {
          runCommand(state);
        } else {
          stateFinished(true, null, null);
        }
        break;
      case "meta.wait":
        if (released.contains(state.id) || agent.breaks(Breakage.WAIT_DOES_NOT_HOLD)) {
          stateFinished(true, null, null);
        } else {
          phase = Phase.WAITING;
          agent.link().sendWaitQuery(version);
        }
        break;
      case "linux.cmd":
        runCommand(state);
        break;
      default:
        stateFinished(agent.breaks(Breakage.PASSES_UNSUPPORTED_MODULES),
            "module " + state.module + " is not supported by this agent", null);
        break;
    }
  }

  private void runCommand(StateSpec state) {
    String command =
        state.parameter.isJsonObject()
                && state.parameter.getAsJsonObject().has("cmd")
                && state.parameter.getAsJsonObject().get("cmd").isJsonPrimitive()
            ? state.parameter.getAsJsonObject().get("cmd").getAsString()
            : null;
    if (command == null) {
      stateFinished(false, "linux.cmd needs a string parameter cmd", null);
      return;
    }
    ShellRunner.Execution execution;
    try {
      execution = shell.start(state.id, command);
    } catch (IOException e) {
      stateFinished(false, "could not start sh: " + e.getMessage(), null);
      return;
    }
    running = execution;
    long startedIn = generation;
    if (agent.enforcesStateTimeout()) {
      timeout = agent.schedule(() -> onTimeout(execution), agent.settings().stateTimeout());
    }
    execution.process.onExit().thenRun(() -> agent.post(() -> onExit(execution, startedIn)));
  }

  private void onTimeout(ShellRunner.Execution execution) {
    if (running == execution) {
      execution.timedOut = true;
      ShellRunner.killTree(execution.process);
    }
  }

  private void onExit(ShellRunner.Execution execution, long startedIn) {
    if (running != execution || startedIn != generation) {
      ShellRunner.discard(execution); // preempted: the result is never reported
      return;
    }
    running = null;
    cancel(timeout);
    timeout = null;
    if (deferredRecipe != null) {
      ShellRunner.discard(execution);
      Runnable recipe = deferredRecipe;
      deferredRecipe = null;
      recipe.run();
      return;
    }
    String output = ShellRunner.takeOutput(execution);
    if (execution.timedOut) {
      stateFinished(false, "state " + execution.stateId + " timed out after "
          + agent.settings().stateTimeout().toMillis() + " ms; its process tree was killed",
          output);
    } else {
      int status = execution.process.exitValue();
      stateFinished(status == 0 || agent.breaks(Breakage.IGNORES_EXIT_STATUS),
          "exit status " + status, output);
    }
  }

  private void stateFinished(boolean success, String comment, String stdout) {
    StateSpec state = states.get(index);
    agent.report(new ModelAgent.StateLogEntry(version, state.id, success, comment, stdout));
    if (success) {
      index++;
      runCurrent();
    } else if (!retrying && agent.retriesRoundAtOnceAfterFirstFailure()) {
      retrying = true;
      index = 0;
      runCurrent();
    } else {
      roundCeased();
    }
  }

  private void roundSucceeded() {
    if (!agent.breaks(Breakage.KEEPS_BACKOFF_AFTER_SUCCESS)) {
      ceasedRounds = 0;
    }
    phase = Phase.INTERVAL;
    upgradeIfPending();
    Duration interval = agent.settings().roundInterval();
    scheduleNextRound(agent.breaks(Breakage.WAITS_TWICE_THE_ROUND_INTERVAL)
        ? interval.multipliedBy(2) : interval);
  }

  private void roundCeased() {
    ceasedRounds++;
    phase = Phase.BACKOFF;
    if (!agent.breaks(Breakage.NO_UPGRADE_WHEN_ROUND_CEASES)) {
      upgradeIfPending();
    }
    scheduleNextRound(agent.backoffDelay(ceasedRounds));
  }

  private void scheduleNextRound(Duration delay) {
    long scheduledIn = generation;
    timer = agent.schedule(() -> {
      if (scheduledIn != generation) {
        return;
      }
      if (!agent.link().isOpen() && agent.breaks(Breakage.PAUSES_ROUNDS_WHILE_DISCONNECTED)) {
        scheduleNextRound(delay);
        return;
      }
      startRound();
    }, delay);
  }

  private void upgradeIfPending() {
    if (pendingUpgrade != null) {
      String[] order = pendingUpgrade;
      pendingUpgrade = null;
      agent.upgradeStarted(order[0], order[1]);
    }
  }
}
