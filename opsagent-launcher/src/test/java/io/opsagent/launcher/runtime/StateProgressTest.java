package io.opsagent.launcher.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testing.ManualEventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A long state is reported at 10 s and then every 30 s, on the agent's loop time, until it ends. */
class StateProgressTest {

    private final ManualEventLoop loop = new ManualEventLoop();
    private final List<String> lines = new ArrayList<>();
    private final StateProgress progress = new StateProgress(lines::add);
    private final RecipeState web = TestStates.state("web-conf", "linux.cmd", new JsonObject());

    StateProgressTest() {
        progress.attach(loop);
    }

    @Test
    void aLongStateIsReportedAtTenSecondsThenEveryThirtyUntilItFinishes() {
        progress.stateStarted(1, 0, web);

        loop.advance(Duration.ofSeconds(9));
        assertThat(lines).isEmpty();
        loop.advance(Duration.ofSeconds(1));
        assertThat(lines).containsExactly("state web-conf running for 10 s");
        loop.advance(Duration.ofSeconds(60));
        assertThat(lines).containsExactly("state web-conf running for 10 s", "state web-conf running for 40 s",
                "state web-conf running for 70 s");

        progress.stateFinished(1, 0, web, StateResult.unchanged("ok"), Duration.ofSeconds(75).toNanos());
        loop.advance(Duration.ofMinutes(5));
        assertThat(lines).hasSize(3);
    }

    @Test
    void aShortStateSaysNothingAndTheNextStateCountsFromItsOwnStart() {
        progress.stateStarted(1, 0, web);
        loop.advance(Duration.ofSeconds(8));
        progress.stateFinished(1, 0, web, StateResult.unchanged("ok"), Duration.ofSeconds(8).toNanos());
        RecipeState next = TestStates.state("pkg", "linux.cmd", new JsonObject());
        progress.stateStarted(1, 1, next);
        loop.advance(Duration.ofSeconds(9));
        assertThat(lines).isEmpty();
        loop.advance(Duration.ofSeconds(1));
        assertThat(lines).containsExactly("state pkg running for 10 s");
    }

    @Test
    void aRoundThatEndsWithoutAResultStopsTheReports() {
        progress.stateStarted(1, 0, web);
        progress.stateChanged(RoundState.EXECUTING, RoundState.IDLE);
        loop.advance(Duration.ofMinutes(5));
        assertThat(lines).isEmpty();
    }
}
