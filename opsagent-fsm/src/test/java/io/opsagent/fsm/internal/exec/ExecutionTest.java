package io.opsagent.fsm.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testutil.ResultRecorder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExecutionTest {

    @Test
    void theCallbackRunsExactlyOnce() {
        ResultRecorder recorder = new ResultRecorder();
        Execution e = new Execution("state s", recorder, ExecThreads.timer());
        e.complete(StateResult.unchanged("first"));
        e.complete(StateResult.unchanged("second"));
        e.cancel();
        assertThat(recorder.await().comment()).isEqualTo("first");
        assertThat(recorder.calls()).isEqualTo(1);
    }

    @Test
    void cancelWithoutAProcessReportsCancelledAtOnceAndIsIdempotent() {
        ResultRecorder recorder = new ResultRecorder();
        Execution e = new Execution("state s", recorder, ExecThreads.timer());
        e.cancel();
        e.cancel();
        e.stop("timed out after 1 s");
        StateResult r = recorder.await();
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("cancelled");
        assertThat(e.stopReason()).contains("cancelled");
        assertThat(recorder.calls()).isEqualTo(1);
    }

    @Test
    void aTimeoutStopsTheExecutionWithItsReason() {
        ResultRecorder recorder = new ResultRecorder();
        Execution e = new Execution("state s", recorder, ExecThreads.timer());
        e.stopAfter(Duration.ofMillis(50), "timed out after 0.05 s");
        assertThat(recorder.await().comment()).isEqualTo("timed out after 0.05 s");
    }

    @Test
    void aZeroTimeoutMeansNoTimeout() {
        ResultRecorder recorder = new ResultRecorder();
        Execution e = new Execution("state s", recorder, ExecThreads.timer());
        e.stopAfter(Duration.ZERO, "never");
        assertThat(e.isStopped()).isFalse();
        e.complete(StateResult.unchanged("ok"));
        assertThat(recorder.await().comment()).isEqualTo("ok");
    }

    @Test
    void aThrowingCallbackDoesNotEscape() {
        Execution e = new Execution("state s", r -> {
            throw new IllegalStateException("boom");
        }, ExecThreads.timer());
        e.complete(StateResult.unchanged("ok"));
        assertThat(e.isDone()).isTrue();
    }
}
