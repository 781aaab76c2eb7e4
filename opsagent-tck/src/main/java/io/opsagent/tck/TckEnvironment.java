package io.opsagent.tck;

import java.time.Duration;
import java.util.function.Function;

/**
 * The timeouts of the conformance tests, in one place.
 *
 * <ul>
 *   <li>{@link #signalTimeout()}: how long to wait for something that must happen (default 5 s);
 *   <li>{@link #noSignalTimeout()}: how long to watch for something that must not happen
 *       (default 300 ms);
 *   <li>{@link #timingSlack()}: how far a measured time may stray from the bound a rule sets,
 *       as a fraction of the configured value the bound comes from (default 50 %, so a round
 *       interval of 400 ms may be measured as up to 600 ms; see {@link #upperBound} and {@link
 *       #lowerBound}); it is below 100 %, so that an agent taking twice the configured time
 *       still fails;
 *   <li>{@link #timeoutMultiplier()}: scales both timeouts and every timing the kit gives the
 *       agent, and with them every bound derived from those timings (default 1); raise it on
 *       slow or loaded machines.
 * </ul>
 *
 * <p>Each value can be set by a system property or an environment variable; the property wins
 * over the variable, and a {@code with...} call wins over both. A value that cannot be parsed is
 * an error naming the key.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>system property</th><th>environment variable</th></tr>
 *   <tr><td>{@value #MULTIPLIER_PROPERTY}</td><td>{@value #MULTIPLIER_ENV}</td></tr>
 *   <tr><td>{@value #SIGNAL_TIMEOUT_PROPERTY}</td><td>{@value #SIGNAL_TIMEOUT_ENV}</td></tr>
 *   <tr><td>{@value #NO_SIGNAL_TIMEOUT_PROPERTY}</td><td>{@value #NO_SIGNAL_TIMEOUT_ENV}</td></tr>
 *   <tr><td>{@value #SLACK_PROPERTY}</td><td>{@value #SLACK_ENV}</td></tr>
 * </table>
 */
public final class TckEnvironment {

  public static final String MULTIPLIER_PROPERTY = "opsagent.tck.timeoutMultiplier";
  public static final String MULTIPLIER_ENV = "OPSAGENT_TCK_TIMEOUT_MULTIPLIER";
  public static final String SIGNAL_TIMEOUT_PROPERTY = "opsagent.tck.signalTimeoutMillis";
  public static final String SIGNAL_TIMEOUT_ENV = "OPSAGENT_TCK_SIGNAL_TIMEOUT_MILLIS";
  public static final String NO_SIGNAL_TIMEOUT_PROPERTY = "opsagent.tck.noSignalTimeoutMillis";
  public static final String NO_SIGNAL_TIMEOUT_ENV = "OPSAGENT_TCK_NO_SIGNAL_TIMEOUT_MILLIS";
  public static final String SLACK_PROPERTY = "opsagent.tck.timingSlackPercent";
  public static final String SLACK_ENV = "OPSAGENT_TCK_TIMING_SLACK_PERCENT";

  private static final long DEFAULT_SIGNAL_MILLIS = 5_000;
  private static final long DEFAULT_NO_SIGNAL_MILLIS = 300;
  private static final long DEFAULT_SLACK_PERCENT = 50;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(10);

  private final double multiplier;
  private final long signalMillis;
  private final long noSignalMillis;
  private final long slackPercent;

  private TckEnvironment(
      double multiplier, long signalMillis, long noSignalMillis, long slackPercent) {
    if (!(multiplier > 0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("timeout multiplier must be a positive number, was " + multiplier);
    }
    requirePositive(signalMillis, "signal timeout");
    requirePositive(noSignalMillis, "no-signal timeout");
    if (slackPercent <= 0 || slackPercent >= 100) {
      throw new IllegalArgumentException("timing slack must be between 1 and 99 %, was "
          + slackPercent + " %: with 100 % or more an agent taking twice a configured time would"
          + " pass");
    }
    this.multiplier = multiplier;
    this.signalMillis = signalMillis;
    this.noSignalMillis = noSignalMillis;
    this.slackPercent = slackPercent;
  }

  private static void requirePositive(long millis, String what) {
    if (millis <= 0) {
      throw new IllegalArgumentException(what + " must be positive, was " + millis + " ms");
    }
  }

  /** Reads the system properties and environment variables of this JVM. */
  public static TckEnvironment fromSystem() {
    return from(System::getProperty, System::getenv);
  }

  /** Reads the keys from the given sources (properties win over environment). */
  public static TckEnvironment from(
      Function<String, String> properties, Function<String, String> environment) {
    double multiplier =
        read(properties, environment, MULTIPLIER_PROPERTY, MULTIPLIER_ENV, 1.0, Double::parseDouble);
    long signal =
        read(properties, environment, SIGNAL_TIMEOUT_PROPERTY, SIGNAL_TIMEOUT_ENV,
            DEFAULT_SIGNAL_MILLIS, Long::parseLong);
    long noSignal =
        read(properties, environment, NO_SIGNAL_TIMEOUT_PROPERTY, NO_SIGNAL_TIMEOUT_ENV,
            DEFAULT_NO_SIGNAL_MILLIS, Long::parseLong);
    long slack =
        read(properties, environment, SLACK_PROPERTY, SLACK_ENV, DEFAULT_SLACK_PERCENT,
            Long::parseLong);
    return new TckEnvironment(multiplier, signal, noSignal, slack);
  }

  /** The built-in defaults, ignoring properties and environment. */
  public static TckEnvironment defaults() {
    return new TckEnvironment(
        1.0, DEFAULT_SIGNAL_MILLIS, DEFAULT_NO_SIGNAL_MILLIS, DEFAULT_SLACK_PERCENT);
  }

  private static <T> T read(
      Function<String, String> properties,
      Function<String, String> environment,
      String property,
      String variable,
      T fallback,
      Function<String, T> parser) {
    String key = property;
    String raw = properties.apply(property);
    if (raw == null || raw.isBlank()) {
      key = variable;
      raw = environment.apply(variable);
    }
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      return parser.apply(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          key + " must be a number, was \"" + raw + "\"", e);
    }
  }

  public TckEnvironment withTimeoutMultiplier(double value) {
    return new TckEnvironment(value, signalMillis, noSignalMillis, slackPercent);
  }

  public TckEnvironment withSignalTimeout(Duration unscaled) {
    return new TckEnvironment(multiplier, unscaled.toMillis(), noSignalMillis, slackPercent);
  }

  public TckEnvironment withNoSignalTimeout(Duration unscaled) {
    return new TckEnvironment(multiplier, signalMillis, unscaled.toMillis(), slackPercent);
  }

  /** The timing slack in percent of a configured value, 1 to 99. */
  public TckEnvironment withTimingSlackPercent(long percent) {
    return new TckEnvironment(multiplier, signalMillis, noSignalMillis, percent);
  }

  public double timeoutMultiplier() {
    return multiplier;
  }

  /** How long to wait for something that must happen, scaled. */
  public Duration signalTimeout() {
    return scaleMillis(signalMillis);
  }

  /** How long to watch for something that must not happen, scaled. */
  public Duration noSignalTimeout() {
    return scaleMillis(noSignalMillis);
  }

  /** The timing slack as a fraction of a configured value (0.5 for 50 %). */
  public double timingSlack() {
    return slackPercent / 100.0;
  }

  /**
   * The longest a measured time may be where a rule says "at most {@code configured}": the
   * configured value (already scaled, as every timing the kit gives the agent) plus the slack
   * times that value. Deriving the slack from the value, not from a fixed tolerance, keeps the
   * bound in proportion on a slow machine, where the multiplier stretches the timings.
   */
  public Duration upperBound(Duration configured) {
    return Duration.ofNanos(Math.round(configured.toNanos() * (1 + timingSlack())));
  }

  /**
   * The shortest a time measured between two frames at the backend may be where a rule says
   * "at least {@code configured}": the earlier frame may have been held up on its way longer
   * than the later one, so the bound is lowered by a fifth of the slack (10 % by default).
   */
  public Duration lowerBound(Duration configured) {
    return Duration.ofNanos(Math.round(configured.toNanos() * (1 - timingSlack() / 5)));
  }

  /** How often file and process conditions are polled (not scaled). */
  public Duration pollInterval() {
    return POLL_INTERVAL;
  }

  /** {@code duration} times the multiplier. */
  public Duration scale(Duration duration) {
    return Duration.ofNanos(Math.round(duration.toNanos() * multiplier));
  }

  /** {@code millis} milliseconds times the multiplier. */
  public Duration millis(long millis) {
    return scaleMillis(millis);
  }

  private Duration scaleMillis(long millis) {
    return Duration.ofNanos(Math.round(millis * 1_000_000L * multiplier));
  }

  @Override
  public String toString() {
    return "TckEnvironment{multiplier=" + multiplier + ", signal=" + signalTimeout().toMillis()
        + " ms, noSignal=" + noSignalTimeout().toMillis() + " ms, slack=" + slackPercent
        + " %}";
  }
}
