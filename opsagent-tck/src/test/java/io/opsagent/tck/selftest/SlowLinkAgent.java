package io.opsagent.tck.selftest;

import io.opsagent.tck.model.ModelAgent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An agent that follows every rule, over a link that holds every second StateLog back by up to
 * {@link #LATE} (the StateLogs after a held one wait behind it, so their order stays): what a
 * busy machine or a slow network can do to the StateLogs of any agent. A pause the kit measures
 * must not shrink because the StateLog before it arrived late.
 */
final class SlowLinkAgent extends ModelAgent {

  static final Duration LATE = Duration.ofMillis(300);

  /** On the agent's loop only, as {@link #report} and the tasks it schedules run there. */
  private final Deque<StateLogEntry> held = new ArrayDeque<>();
  private int reported;

  @Override
  protected void report(StateLogEntry entry) {
    boolean late = reported++ % 2 == 1;
    if (!late && held.isEmpty()) {
      super.report(entry);
      return;
    }
    held.add(entry);
    if (late) {
      schedule(this::sendHeld, LATE);
    }
  }

  private void sendHeld() {
    while (!held.isEmpty()) {
      super.report(held.removeFirst());
    }
  }

  @Override
  public String toString() {
    return "ModelAgent with every second StateLog delivered up to " + LATE.toMillis() + " ms late";
  }
}
