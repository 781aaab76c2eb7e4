package io.opsagent.fsm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.BackoffPolicy;
import io.opsagent.fsm.RoundEvent;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.testing.ManualEventLoop;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
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
import org.springframework.statemachine.state.ChoicePseudoState;
import org.springframework.statemachine.state.PseudoStateKind;
import org.springframework.statemachine.state.State;
import org.springframework.statemachine.transition.Transition;
import org.springframework.statemachine.transition.TransitionKind;

/** The statechart in docs/round-machine.md is the table in the code, and the machine that is built. */
class StatechartTest {

    private static final Pattern LINE =
            Pattern.compile("^\\s*(\\w+)\\s+--(\\w+)?(?: ?\\[(\\w+)\\])?-->\\s+(\\w+|\\(internal\\))\\s*$");

    /** The documented rows, guard names included, as {@link RoundMachineFactory.Row#line()} writes them. */
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
                String on = m.group(2) == null ? "--[" + m.group(3) + "]"
                        : "--" + m.group(2) + (m.group(3) == null ? "" : " [" + m.group(3) + "]");
                lines.add(m.group(1) + " " + on + "--> " + m.group(4));
            }
        }
        return lines;
    }

    private static List<String> table() {
        return RoundMachineFactory.TABLE.stream().map(RoundMachineFactory.Row::line).toList();
    }

    private static StateMachine<RoundState, RoundEvent> machine() {
        RoundMachine m = new RoundMachine(new ManualEventLoop(), (r, c) -> StateExecution.NONE, msg -> { },
                new AgentIdentity("i", "a", "v", "t"),
                new RoundSettings(Duration.ofMinutes(10), BackoffPolicy.ROUND_DEFAULT, Duration.ofHours(1), false),
                new Random(1), null, new RoundListener() { });
        return m.springMachine();
    }

    /** The built machine's transitions and choice branches, without guard names (Spring keeps none). */
    private static List<String> built() throws ReflectiveOperationException {
        StateMachine<RoundState, RoundEvent> machine = machine();
        List<String> lines = new ArrayList<>();
        for (Transition<RoundState, RoundEvent> t : machine.getTransitions()) {
            if (t.getTrigger() == null) {
                continue;
            }
            String source = t.getSource().getId().name();
            String target = t.getKind() == TransitionKind.INTERNAL ? "(internal)" : t.getTarget().getId().name();
            lines.add(source + " --" + t.getTrigger().getEvent() + "--> " + target);
        }
        for (State<RoundState, RoundEvent> s : machine.getStates()) {
            if (s.getPseudoState() != null && s.getPseudoState().getKind() == PseudoStateKind.CHOICE) {
                Field choices = ChoicePseudoState.class.getDeclaredField("choices");
                choices.setAccessible(true);
                for (Object branch : (List<?>) choices.get(s.getPseudoState())) {
                    State<?, ?> target = ((ChoicePseudoState.ChoiceStateData<?, ?>) branch).getState();
                    lines.add(s.getId() + " --> " + target.getId());
                }
            }
        }
        Collections.sort(lines);
        return lines;
    }

    private static List<String> withoutGuards(List<String> lines) {
        List<String> plain = new ArrayList<>();
        for (String line : lines) {
            plain.add(line.replaceAll(" --\\[\\w+\\]-->", " -->").replaceAll(" \\[\\w+\\]", ""));
        }
        Collections.sort(plain);
        return plain;
    }

    @Test
    void documentedStatechartIsTheTableRowForRowWithItsGuardNames() throws IOException {
        assertThat(documented()).isEqualTo(table());
    }

    @Test
    void theBuiltMachineHasEveryRowOfTheTable() throws Exception {
        assertThat(built()).isEqualTo(withoutGuards(table()));
    }

    @Test
    void everyGuardAndActionIsNamedAfterItsField() throws IllegalAccessException {
        int named = 0;
        for (Field f : RoundMachineFactory.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && (f.getType() == RoundMachineFactory.Question.class
                    || f.getType() == RoundMachineFactory.Verb.class)) {
                assertThat(f.get(null)).as("the name of %s", f.getName()).hasToString(f.getName());
                named++;
            }
        }
        assertThat(named).isGreaterThan(30);
    }

    @Test
    void everyDocumentedGuardIsOneTheTableUses() throws IOException {
        Set<String> used = new java.util.TreeSet<>();
        for (RoundMachineFactory.Row row : RoundMachineFactory.TABLE) {
            if (row.guard() != null) {
                used.add(row.guard().toString());
            }
        }
        Set<String> documented = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("\\[(\\w+)\\]").matcher(String.join("\n", documented()));
        while (m.find()) {
            documented.add(m.group(1));
        }
        documented.remove("otherwise");
        assertThat(documented).isEqualTo(used);
    }

    @Test
    void everyStateIsReachableFromIdle() throws Exception {
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
    void everyStateButStoppedHasAWayOutAndStoppedHasNone() throws Exception {
        List<String> edges = built();
        for (RoundState s : RoundState.values()) {
            boolean exits = edges.stream().anyMatch(e -> e.startsWith(s.name() + " ") && !e.endsWith("(internal)"));
            assertThat(exits).as("%s has an exit", s).isEqualTo(s != RoundState.STOPPED);
        }
    }

    @Test
    void stopLeadsToStoppedFromEveryStateTheAgentRestsIn() throws Exception {
        List<String> edges = built();
        for (RoundState s : EnumSet.complementOf(EnumSet.of(RoundState.STOPPED, RoundState.STATE_REACHED))) {
            assertThat(edges).contains(s.name() + " --STOP--> STOPPED");
        }
    }
}
