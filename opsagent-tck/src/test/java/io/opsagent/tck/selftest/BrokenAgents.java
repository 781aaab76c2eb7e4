package io.opsagent.tck.selftest;

import io.opsagent.tck.AgentSettings;
import io.opsagent.tck.model.ModelAgent;
import java.time.Duration;

/**
 * Agents that are deliberately wrong in exactly one way each. Every one of them must fail the
 * conformance test of the rule it breaks (see {@link TckSelfTest}); a kit that passed one would
 * be a kit that cannot tell.
 */
final class BrokenAgents {

  private BrokenAgents() {}

  /** Breaks R2.2: after a failure it goes straight into backoff instead of retrying at once. */
  static final class NeverRetries extends ModelAgent {
    @Override
    protected boolean retriesRoundAtOnceAfterFirstFailure() {
      return false;
    }
  }

  /** Breaks R2.3: a ceased round is retried at once, forever, without backoff. */
  static final class RetriesForeverWithoutBackoff extends ModelAgent {
    @Override
    protected Duration backoffDelay(int ceasedRounds) {
      return Duration.ZERO;
    }
  }

  /** Breaks R2.3: the backoff never grows. */
  static final class ConstantBackoff extends ModelAgent {
    private Duration first;

    @Override
    protected Duration backoffDelay(int ceasedRounds) {
      if (first == null) {
        first = super.backoffDelay(1);
      }
      return first;
    }
  }

  /**
   * Breaks R2.3: backs off, and the delay grows up to the cap, but it waits only a quarter of the
   * nominal delay (no jitter): under the 80 % the rule allows by more than a loaded machine adds
   * to a measured pause in process start-ups.
   */
  static final class QuarterBackoff extends ModelAgent {
    @Override
    protected Duration backoffDelay(int ceasedRounds) {
      return nominal(settings(), ceasedRounds).dividedBy(4);
    }
  }

  /** Breaks R2.3: the delay doubles for ever, past the cap (no jitter). */
  static final class IgnoresBackoffCap extends ModelAgent {
    @Override
    protected Duration backoffDelay(int ceasedRounds) {
      return doubled(settings(), ceasedRounds);
    }
  }

  /** The initial backoff doubled for each ceased round after the first, without the cap. */
  private static Duration doubled(AgentSettings settings, int ceasedRounds) {
    return settings.backoffInitial().multipliedBy(1L << Math.min(ceasedRounds - 1, 20));
  }

  /** {@link #doubled} up to the cap. */
  private static Duration nominal(AgentSettings settings, int ceasedRounds) {
    Duration doubled = doubled(settings, ceasedRounds);
    return doubled.compareTo(settings.backoffMax()) < 0 ? doubled : settings.backoffMax();
  }

  /** Breaks R2.6: lets the running state finish before it loads a new recipe (the original's way). */
  static final class IgnoresNewRecipeUntilStateEnds extends ModelAgent {
    @Override
    protected boolean killsRunningStateOnNewRecipe() {
      return false;
    }
  }

  /** Breaks R2.7: upgrades the moment the order arrives, in the middle of a round. */
  static final class UpgradesMidRound extends ModelAgent {
    @Override
    protected boolean defersUpgradeUntilRoundEnds() {
      return false;
    }
  }

  /** Breaks R2.9: a state may run for ever. */
  static final class IgnoresStateTimeout extends ModelAgent {
    @Override
    protected boolean enforcesStateTimeout() {
      return false;
    }
  }

  /** Breaks R3.2: sends every second StateLog before the one that came first. */
  static final class ReportsOutOfOrder extends ModelAgent {
    private StateLogEntry held;

    @Override
    protected void report(StateLogEntry entry) {
      if (held == null) {
        held = entry;
      } else {
        super.report(entry);
        super.report(held);
        held = null;
      }
    }
  }

  /** Breaks R4.4: StateLogs queued while offline are dropped when the connection comes back. */
  static final class LosesLogsOnReconnect extends ModelAgent {
    @Override
    protected boolean keepsQueuedLogsAcrossReconnect() {
      return false;
    }
  }
}
