package io.opsagent.fsm;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.recipe;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link OpsAgent#nextRoundIn()}: what {@code status} shows as the next round's time. */
class NextRoundTimeTest {

    @Test
    void idleAfterASuccessfulRoundCountsDownToTheNextRound() {
        AgentHarness h = new AgentHarness(b -> b.roundInterval(Duration.ofMinutes(10)));
        assertThat(h.agent.nextRoundIn()).as("no recipe yet").isEmpty();

        h.receive(recipe(1, cmd("a")));
        assertThat(h.agent.nextRoundIn()).as("while a state runs").isEmpty();
        h.succeed("a");
        assertThat(h.state()).isEqualTo(RoundState.IDLE);
        assertThat(h.agent.nextRoundIn()).contains(Duration.ofMinutes(10));

        h.advance(Duration.ofMinutes(4));
        assertThat(h.agent.nextRoundIn()).contains(Duration.ofMinutes(6));
        h.advance(Duration.ofMinutes(6));
        assertThat(h.state()).isEqualTo(RoundState.EXECUTING);
        assertThat(h.agent.nextRoundIn()).isEmpty();
    }

    @Test
    void backoffAfterACeasedRoundShowsTheRetryTime() {
        AgentHarness h = new AgentHarness(b -> b.backoff(BackoffPolicy.proportional(Duration.ofSeconds(5),
                Duration.ofMinutes(5), 0)));
        h.receive(recipe(1, cmd("a")));
        h.fail("a");
        h.fail("a");

        assertThat(h.state()).isEqualTo(RoundState.BACKOFF);
        assertThat(h.agent.nextRoundIn()).contains(Duration.ofSeconds(5));
        h.advance(Duration.ofSeconds(2));
        assertThat(h.agent.nextRoundIn()).contains(Duration.ofSeconds(3));
    }
}
