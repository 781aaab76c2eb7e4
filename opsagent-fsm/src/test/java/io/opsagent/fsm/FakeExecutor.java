package io.opsagent.fsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import java.util.ArrayList;
import java.util.List;

/**
 * A scriptable executor: records every start and cancel; the test decides each outcome. A
 * cancelled state reports its failure at once, as the SPI asks (its "process tree" is gone),
 * unless {@link #holdCancelReports()} makes the test report it later with {@link Run#complete}.
 */
public final class FakeExecutor implements StateExecutor {

    /** One start of a state. */
    public static final class Run {
        public final StateRequest request;
        private final StateCallback callback;
        public boolean cancelled;
        public boolean completed;

        Run(StateRequest request, StateCallback callback) {
            this.request = request;
            this.callback = callback;
        }

        public String id() {
            return request.state().id();
        }

        /** Reports an outcome, even after a cancel (to test that late results are ignored); once only. */
        public void complete(StateResult result) {
            if (completed) {
                return;
            }
            completed = true;
            callback.completed(result);
        }
    }

    private final List<Run> runs = new ArrayList<>();
    private int active;
    private int maxActive;
    private boolean holdCancelReports;

    /** From now on a cancelled state does not report by itself: the test does, with {@link Run#complete}. */
    public synchronized void holdCancelReports() {
        holdCancelReports = true;
    }

    @Override
    public synchronized StateExecution start(StateRequest request, StateCallback callback) {
        Run run = new Run(request, result -> {
            synchronized (FakeExecutor.this) {
                active--;
            }
            callback.completed(result);
        });
        runs.add(run);
        active++;
        maxActive = Math.max(maxActive, active);
        return () -> {
            boolean report;
            synchronized (FakeExecutor.this) {
                report = !run.cancelled && !run.completed && !holdCancelReports;
                run.cancelled = true;
            }
            if (report) {
                run.complete(StateResult.failed("cancelled", null));
            }
        };
    }

    public synchronized List<Run> runs() {
        return List.copyOf(runs);
    }

    /** The ids of the states started so far, in order. */
    public synchronized List<String> startedIds() {
        return runs.stream().map(Run::id).toList();
    }

    public synchronized Run last() {
        assertThat(runs).as("started runs").isNotEmpty();
        return runs.get(runs.size() - 1);
    }

    /** The running state, which must be {@code id}. */
    public Run running(String id) {
        Run run = last();
        assertThat(run.id()).as("running state").isEqualTo(id);
        assertThat(run.cancelled || run.completed).as("state %s still running", id).isFalse();
        return run;
    }

    public void succeed(String id) {
        running(id).complete(StateResult.changed("applied " + id, null));
    }

    public void fail(String id) {
        running(id).complete(StateResult.failed("failed " + id, "out " + id));
    }

    public synchronized int active() {
        return active;
    }

    public synchronized int maxActive() {
        return maxActive;
    }
}
