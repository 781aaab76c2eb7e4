package io.opsagent.bench.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class ProcStatusTest {

  private static final String STATUS = "Name:\tjava\nVmHWM:\t   91234 kB\nVmRSS:\t   81234 kB\n"
      + "Threads:\t17\n";

  @Test
  void fieldsAreReadAsNumbersWithoutTheirUnit() {
    assertThat(ProcStatus.parse(STATUS, "VmRSS")).isEqualTo(OptionalLong.of(81234));
    assertThat(ProcStatus.parse(STATUS, "VmHWM")).isEqualTo(OptionalLong.of(91234));
    assertThat(ProcStatus.parse(STATUS, "Threads")).isEqualTo(OptionalLong.of(17));
    assertThat(ProcStatus.parse(STATUS, "VmSwap")).isEmpty();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void thisProcessHasAResidentSetAndThreads() {
    long pid = ProcessHandle.current().pid();
    assertThat(ProcStatus.field(pid, "VmRSS").orElse(0)).isPositive();
    assertThat(ProcStatus.sumOverTree(ProcessHandle.current(), "Threads")).isPositive();
  }
}
