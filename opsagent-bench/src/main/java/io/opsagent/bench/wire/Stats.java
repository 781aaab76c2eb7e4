package io.opsagent.bench.wire;

import java.util.Arrays;
import java.util.Locale;

/**
 * The summary of one metric's samples: count, 50th, 90th and 99th percentiles and maximum, in
 * the metric's unit (milliseconds for times). Percentiles use the nearest-rank method: the p-th
 * percentile of n sorted samples is the one at rank ceil(p / 100 × n), so it is always a
 * measured value, and p50 of an even count is the lower of the two middle ones.
 *
 * @param n the number of samples
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param max the largest sample
 */
public record Stats(int n, double p50, double p90, double p99, double max) {

  /** Summarises times given in nanoseconds, in milliseconds; none gives n = 0 and zeros. */
  public static Stats ofNanos(long[] nanos) {
    double[] millis = new double[nanos.length];
    for (int i = 0; i < nanos.length; i++) {
      millis[i] = nanos[i] / 1_000_000.0;
    }
    return of(millis);
  }

  /** Summarises values as they are; none gives n = 0 and zeros. */
  public static Stats of(double[] values) {
    if (values.length == 0) {
      return new Stats(0, 0, 0, 0, 0);
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return new Stats(
        sorted.length,
        percentile(sorted, 50),
        percentile(sorted, 90),
        percentile(sorted, 99),
        sorted[sorted.length - 1]);
  }

  /**
   * The nearest-rank percentile of sorted values.
   *
   * @param percent in (0, 100]
   */
  static double percentile(double[] sorted, double percent) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    if (!(percent > 0 && percent <= 100)) {
      throw new IllegalArgumentException("percent must be in (0, 100], was " + percent);
    }
    int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
    return sorted[Math.max(1, Math.min(rank, sorted.length)) - 1];
  }

  /** A value for a table: three decimals below 10, one from 10 on. */
  static String format(double value) {
    return String.format(Locale.ROOT, Math.abs(value) < 10 ? "%.3f" : "%.1f", value);
  }
}
