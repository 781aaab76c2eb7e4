package io.opsagent.bench.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StatsTest {

  @Test
  void percentilesOfOneToHundredAreTheNearestRanks() {
    double[] values = new double[100];
    for (int i = 0; i < 100; i++) {
      values[99 - i] = i + 1; // unsorted on purpose
    }
    Stats stats = Stats.of(values);
    assertThat(stats).isEqualTo(new Stats(100, 50, 90, 99, 100));
  }

  @Test
  void ninetyNinthPercentileOfFewSamplesIsTheMaximum() {
    Stats stats = Stats.of(new double[] {5, 1, 3, 2, 4, 9, 7, 8, 6, 10});
    assertThat(stats.p50()).isEqualTo(5);
    assertThat(stats.p90()).isEqualTo(9);
    assertThat(stats.p99()).isEqualTo(10);
    assertThat(stats.max()).isEqualTo(10);
  }

  @Test
  void medianOfAnEvenCountIsTheLowerMiddleValue() {
    assertThat(Stats.of(new double[] {4, 1, 3, 2}).p50()).isEqualTo(2);
  }

  @Test
  void oneSampleIsEveryPercentile() {
    assertThat(Stats.of(new double[] {7.5})).isEqualTo(new Stats(1, 7.5, 7.5, 7.5, 7.5));
  }

  @Test
  void noSamplesGiveZeros() {
    assertThat(Stats.ofNanos(new long[0])).isEqualTo(new Stats(0, 0, 0, 0, 0));
  }

  @Test
  void nanosecondsAreReportedInMilliseconds() {
    Stats stats = Stats.ofNanos(new long[] {1_500_000, 250_000, 2_000_000});
    assertThat(stats.p50()).isEqualTo(1.5);
    assertThat(stats.max()).isEqualTo(2.0);
  }

  @Test
  void percentileRejectsOutOfRangePercentsAndEmptyInput() {
    assertThatThrownBy(() -> Stats.percentile(new double[] {1}, 0))
        .hasMessageContaining("percent must be in (0, 100]");
    assertThatThrownBy(() -> Stats.percentile(new double[] {1}, 101))
        .hasMessageContaining("percent must be in (0, 100]");
    assertThatThrownBy(() -> Stats.percentile(new double[0], 50)).hasMessage("no samples");
  }

  @Test
  void tableValuesKeepThreeDecimalsBelowTen() {
    assertThat(Stats.format(0.0834)).isEqualTo("0.083");
    assertThat(Stats.format(12.345)).isEqualTo("12.3");
  }
}
