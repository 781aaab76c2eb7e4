package io.opsagent.launcher.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.host.InstanceLock;
import io.opsagent.launcher.testing.StatusSamples;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StatusReportTest {

    private static final Instant NOW = Instant.parse("2026-11-26T16:40:06Z");

    @Test
    void describesARunningAgent() {
        String text = StatusReport.render(Optional.of(StatusFileTest.sample()),
                new InstanceLock.Probe(InstanceLock.State.HELD, OptionalLong.of(4242), ""), "/s.json", NOW);

        assertThat(text).isEqualTo(String.join("\n",
                "agent       running (pid 4242)",
                "version     0.1.0, started 2026-11-26T16:37:00Z (pid 4242)",
                "updated     2026-11-26T16:40:03Z (2s ago)",
                "connection  CONNECTED to wss://backend.example/agent/",
                "round       EXECUTING",
                "recipe      version 42, 3 states",
                "current     state 2 of 3: web-conf (linux.file), attempt 2",
                "outbox      5 StateLogs waiting for the backend",
                "results",
                "  ok    pkg-nginx  linux.apt.package  installed",
                ""));
    }

    @Test
    void saysWhenTheAgentHasStoppedSinceTheLastWrite() {
        AgentStatus idle = new AgentStatus("0.1.0", 9, Instant.parse("2026-11-26T10:00:00Z"),
                Instant.parse("2026-11-26T13:40:06Z"), "DISCONNECTED", null, "IDLE", null, 0, null,
                Instant.parse("2026-11-26T16:45:06Z"),
                List.of(new AgentStatus.StateOutcome("a", "linux.cmd", false, "exit 1\nno such file", NOW)), 0);

        String text = StatusReport.render(Optional.of(idle),
                new InstanceLock.Probe(InstanceLock.State.FREE, OptionalLong.of(9), ""), "/s.json", NOW);

        assertThat(text).contains("agent       not running\n",
                "updated     2026-11-26T13:40:06Z (3h ago); the agent has stopped since\n",
                "connection  DISCONNECTED\n",
                "round       IDLE, next at 2026-11-26T16:45:06Z (in 5m)\n",
                "recipe      none\n",
                "current     -\n",
                "  FAIL  a   linux.cmd  exit 1 / no such file\n");
    }

    @Test
    void countsTheDroppedInputsByKindAndSaysNothingWhenNoneWas() {
        AgentStatus s = StatusSamples.executing();
        AgentStatus dropped = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                s.connectionState(), s.backendUri(), s.roundState(), s.recipeVersion(), s.stateCount(),
                s.currentState(), null, null, s.lastResults(), s.outboxDepth(), null, null, null,
                new AgentStatus.DroppedInputs(1, 2, 0, 0, 0, 0, 1, 0));
        AgentStatus none = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                s.connectionState(), s.backendUri(), s.roundState(), s.recipeVersion(), s.stateCount(),
                s.currentState(), null, null, s.lastResults(), s.outboxDepth(), null, null, null,
                new AgentStatus.DroppedInputs(0, 0, 0, 0, 0, 0, 0, 0));
        InstanceLock.Probe held = new InstanceLock.Probe(InstanceLock.State.HELD, OptionalLong.of(4242), "");

        assertThat(StatusReport.render(Optional.of(dropped), held, "/s.json", NOW)).contains(
                "dropped     4 inputs: 1 rejected event, 2 late results, 1 re-push of the loaded version\n");
        assertThat(StatusReport.render(Optional.of(none), held, "/s.json", NOW)).doesNotContain("dropped");
    }

    @Test
    void namesEveryKindOfDroppedInputWithItsOwnCount() {
        AgentStatus s = StatusSamples.executing();
        AgentStatus dropped = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                s.connectionState(), s.backendUri(), s.roundState(), s.recipeVersion(), s.stateCount(),
                s.currentState(), null, null, s.lastResults(), s.outboxDepth(), null, null, null,
                new AgentStatus.DroppedInputs(1, 2, 3, 4, 5, 6, 7, 8));
        InstanceLock.Probe held = new InstanceLock.Probe(InstanceLock.State.HELD, OptionalLong.of(4242), "");

        assertThat(StatusReport.render(Optional.of(dropped), held, "/s.json", NOW)).contains(
                "dropped     36 inputs: 1 rejected event, 2 late results, 3 stale timeouts, 4 stale timers,"
                        + " 5 releases for another version, 6 releases of no wait state,"
                        + " 7 re-pushes of the loaded version, 8 failed actions\n");
    }

    @Test
    void showsHowLongTheCurrentStateHasBeenRunning() {
        AgentStatus s = StatusSamples.executing();
        AgentStatus running = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                s.connectionState(), s.backendUri(), s.roundState(), s.recipeVersion(), s.stateCount(),
                new AgentStatus.CurrentState(1, "web-conf", "linux.file", 1, NOW.minusSeconds(41)), null, null,
                s.lastResults(), s.outboxDepth(), null);

        String text = StatusReport.render(Optional.of(running),
                new InstanceLock.Probe(InstanceLock.State.FREE, OptionalLong.of(9), ""), "/s.json", NOW);

        assertThat(text).contains("current     state 2 of 3: web-conf (linux.file), running for 41s\n");
    }

    @Test
    void showsTheLastFrameRefusedForALimit() {
        AgentStatus s = StatusSamples.executing();
        AgentStatus refused = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                s.connectionState(), s.backendUri(), s.roundState(), s.recipeVersion(), s.stateCount(),
                s.currentState(), null, null, s.lastResults(), s.outboxDepth(), null, null,
                new AgentStatus.RefusedFrame("maxStates", 10001, 10000, "RecipeMetadata",
                        "state: more than 10000 states; a recipe may have at most 10000", NOW.minusSeconds(90)));

        String text = StatusReport.render(Optional.of(refused),
                new InstanceLock.Probe(InstanceLock.State.FREE, OptionalLong.of(9), ""), "/s.json", NOW);

        assertThat(text).contains("refused     RecipeMetadata frame at " + NOW.minusSeconds(90).truncatedTo(
                java.time.temporal.ChronoUnit.SECONDS) + " (90s ago): maxStates 10000, seen 10001: state: more than"
                + " 10000 states; a recipe may have at most 10000\n");
    }

    @Test
    void showsWhatAWaitStateWaitsForAndSinceWhen() {
        AgentStatus s = StatusSamples.executing();
        AgentStatus waiting = new AgentStatus(s.agentVersion(), s.pid(), s.startedAt(), s.updatedAt(),
                s.connectionState(), s.backendUri(), "WAITING_FOR_DONE", s.recipeVersion(), s.stateCount(),
                new AgentStatus.CurrentState(2, "wait-db", "meta.wait", 1, NOW.minusSeconds(75),
                        List.of("@{db.state.1}", "@{cache.state.3}")), null, null,
                s.lastResults(), s.outboxDepth(), null);

        String text = StatusReport.render(Optional.of(waiting),
                new InstanceLock.Probe(InstanceLock.State.FREE, OptionalLong.of(9), ""), "/s.json", NOW);

        assertThat(text).contains("current     state 3 of 3: wait-db (meta.wait), waiting for @{db.state.1}, "
                + "@{cache.state.3} since " + NOW.minusSeconds(75) + " (75s)\n");
    }

    @Test
    void showsWhyTheInstanceIdCannotBeFetched() {
        AgentStatus waiting = new AgentStatus("0.1.0", 9, NOW, NOW, AgentStatus.WAITING_FOR_INSTANCE_ID, null, "IDLE",
                null, 0, null, null, null, List.of(), 0, null,
                "cannot get the instance id from http://127.0.0.1:9/id: HTTP 403 (attempt 3)");

        String text = StatusReport.render(Optional.of(waiting),
                new InstanceLock.Probe(InstanceLock.State.FREE, OptionalLong.of(9), ""), "/s.json", NOW);

        assertThat(text).contains("connection  WAITING_FOR_INSTANCE_ID\n", "instance id cannot get the instance id from"
                + " http://127.0.0.1:9/id: HTTP 403 (attempt 3); still trying\n");
    }

    @Test
    void withoutAStatusFileSaysSo() {
        String text = StatusReport.render(Optional.empty(),
                new InstanceLock.Probe(InstanceLock.State.FREE, OptionalLong.empty(), ""), "/r/status.json", NOW);

        assertThat(text).isEqualTo("agent       not running\nstatus      none yet (/r/status.json does not exist)\n");
    }

    @Test
    void spansAreShortAndRoundedDown() {
        assertThat(StatusReport.span(NOW, NOW)).isEqualTo("0s");
        assertThat(StatusReport.span(NOW, NOW.plusSeconds(119))).isEqualTo("119s");
        assertThat(StatusReport.span(NOW, NOW.plusSeconds(7199))).isEqualTo("119m");
        assertThat(StatusReport.span(NOW, NOW.plusSeconds(7200))).isEqualTo("2h");
        assertThat(StatusReport.span(NOW, NOW.plusSeconds(3 * 86400))).isEqualTo("3d");
        assertThat(StatusReport.span(NOW.plusSeconds(5), NOW)).isEqualTo("0s");
    }
}
