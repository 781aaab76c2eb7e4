package io.opsagent.bench.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class ProcSchedStatTest {

  @Test
  void parsesTheThreeNumbersOfAScheduleLine() {
    assertThat(ProcSchedStat.parse("123456789 2345 17\n")).containsExactly(123456789L, 2345L, 17L);
  }

  @Test
  void aShortOrGarbledLineCountsNothing() {
    assertThat(ProcSchedStat.parse("")).containsExactly(0L, 0L, 0L);
    assertThat(ProcSchedStat.parse("12 34")).containsExactly(0L, 0L, 0L);
    assertThat(ProcSchedStat.parse("12 x 3")).containsExactly(0L, 0L, 0L);
  }

  @Test
  void aThreadThatEndedCountsNothingAndANewOneCountsAll() {
    ProcSchedStat.Sample before = new ProcSchedStat.Sample(java.util.Map.of(
        1L, new long[] {100, 0, 10}, 2L, new long[] {500, 0, 50}));
    ProcSchedStat.Sample after = new ProcSchedStat.Sample(java.util.Map.of(
        1L, new long[] {130, 0, 13}, 3L, new long[] {7, 0, 1}));

    ProcSchedStat.Sample spent = after.since(before);

    assertThat(spent.cpuNanos()).isEqualTo(30 + 7);
    assertThat(spent.slices()).isEqualTo(3 + 1);
  }

  @Test
  void theCpuTimeOfThisProcessGrowsWithWorkDone() {
    assumeTrue(ProcSchedStat.available(), "no /proc/<pid>/schedstat on this kernel");
    ProcSchedStat.Sample before = ProcSchedStat.sumOverTree(ProcessHandle.current());
    long threadCpuBefore = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    long x = 0;
    while (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - threadCpuBefore < 50_000_000L) {
      x += Long.numberOfTrailingZeros(x + 1);
    }
    ProcSchedStat.Sample spent = ProcSchedStat.sumOverTree(ProcessHandle.current()).since(before);

    assertThat(before.cpuNanos()).isPositive();
    assertThat(before.slices()).isPositive();
    // This thread alone used 50 ms of CPU between the two samples.
    assertThat(spent.cpuNanos()).as("work %d", x).isGreaterThanOrEqualTo(50_000_000L);
    assertThat(spent.slices()).isGreaterThanOrEqualTo(0);
  }
}
