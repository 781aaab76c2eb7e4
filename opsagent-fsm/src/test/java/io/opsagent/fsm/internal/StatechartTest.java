package io.opsagent.fsm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.RoundEvent;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.BackoffPolicy;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.testing.ManualEventLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.statemachine.StateMachine;
import org.springframework.statemachine.transition.Transition;
import org.springframework.statemachine.transition.TransitionKind;

/** The statechart in docs/round-machine.md is the machine that is built. */
class StatechartTest {

    private static final Pattern LINE =
            Pattern.compile("^\\s*(\\w+)\\s+--(\\w+)(?: \\[[^\\]]+\\])?-->\\s+(\\w+|\\(internal\\))\\s*$");

    private static List<String> documented() throws IOException {
        Path doc = Path.of("..", "docs", "round-machine.md");
        List<String> lines = new ArrayList<>();
        boolean inChart = false;
        for (String line : Files.readAllLines(doc)) {
            if (line.startsWith("```statechart")) {
                inChart = true;
            } else if (inChart && line.startsWith("```")) {
                inChart = false;
            } else if (inChart && !line.isBlank()) {
                Matcher m = LINE.matcher(line);
                assertThat(m.matches()).as("statechart line '%s'", line).isTrue();
                String target = m.group(3).equals("(internal)") ? m.group(1) + " (internal)" : m.group(3);
                lines.add(m.group(1) + " --" + m.group(2) + "--> " + target);
            }
        }
        Collections.sort(lines);
        return lines;
    }

    private static StateMachine<RoundState, RoundEvent> machine() {
        RoundMachine m = new RoundMachine(new ManualEventLoop(), (r, c) -> StateExecution.NONE, msg -> { },
                new AgentIdentity("i", "a", "v", "t"),
                new RoundSettings(Duration.ofMinutes(10), BackoffPolicy.ROUND_DEFAULT, Duration.ofHours(1), false),
                new Random(1), null, new RoundListener() { });
        return m.springMachine();
    }

    private static List<String> built() {
        List<String> lines = new ArrayList<>();
        for (Transition<RoundState, RoundEvent> t : machine().getTransitions()) {
            if (t.getTrigger() == null) {
                continue;
            }
            String source = t.getSource().getId().name();
            String target = t.getKind() == TransitionKind.INTERNAL ? source + " (internal)" : t.getTarget().getId().name();
            lines.add(source + " --" + t.getTrigger().getEvent() + "--> " + target);
        }
        Collections.sort(lines);
        return lines;
    }

    @Test
    void documentedStatechartMatchesTheBuiltMachine() throws IOException {
        assertThat(documented()).isEqualTo(built());
    }

    @Test
    void everyStateIsReachableFromIdle() {
        List<String> edges = built();
        Set<RoundState> seen = EnumSet.of(RoundState.IDLE);
        Deque<RoundState> todo = new ArrayDeque<>(seen);
        while (!todo.isEmpty()) {
            RoundState s = todo.pop();
            for (String e : edges) {
                if (e.startsWith(s.name() + " ") && !e.endsWith("(internal)")) {
                    RoundState target = RoundState.valueOf(e.substring(e.indexOf("--> ") + 4));
                    if (seen.add(target)) {
                        todo.push(target);
                    }
                }
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(RoundState.values());
    }

    @Test
    void everyStateButStoppedHasAWayOutAndStoppedHasNone() {
        List<String> edges = built();
        for (RoundState s : RoundState.values()) {
            boolean exits = edges.stream().anyMatch(e -> e.startsWith(s.name() + " ") && !e.endsWith("(internal)"));
            assertThat(exits).as("%s has an exit", s).isEqualTo(s != RoundState.STOPPED);
        }
    }

    @Test
    void stopLeadsToStoppedFromEveryOtherState() {
        List<String> edges = built();
        for (RoundState s : EnumSet.complementOf(EnumSet.of(RoundState.STOPPED))) {
            assertThat(edges).contains(s.name() + " --STOP--> STOPPED");
        }
    }
}
