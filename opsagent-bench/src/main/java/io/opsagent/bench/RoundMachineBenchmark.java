package io.opsagent.bench;

import com.google.gson.JsonObject;
import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testing.ManualEventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per-state overhead of the round machine: rounds of {@value #STATES} states on a no-op executor
 * that succeeds at once, driven on a manual loop in the benchmark thread, so what is measured is
 * the machine, the event loop hop, the StateLog and the listeners — no thread hand-off, no I/O.
 *
 * <p>Run: {@code ./mvnw -Pbench -pl opsagent-bench -am package -DskipTests} then
 * {@code java -jar opsagent-bench/target/benchmarks.jar RoundMachine -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RoundMachineBenchmark {

    static final int STATES = 1_000;

    private ManualEventLoop loop;
    private OpsAgent agent;
    private long version;
    private List<RecipeState> states;
    private long logs;

    @Setup(Level.Trial)
    public void setUp() {
        loop = new ManualEventLoop();
        agent = OpsAgent.builder()
                .identity(new AgentIdentity("i-bench", "app-bench", "bench", "token"))
                .executor((request, callback) -> {
                    callback.completed(StateResult.unchanged("ok"));
                    return StateExecution.NONE;
                })
                .sink(message -> logs++)
                .eventLoop(loop)
                .roundInterval(Duration.ofDays(1))
                .listener(new RoundListener() { })
                .build();
        agent.start();
        loop.runUntilIdle();
        states = new ArrayList<>();
        for (int i = 0; i < STATES; i++) {
            JsonObject p = new JsonObject();
            p.addProperty("cmd", "true");
            states.add(new RecipeState("state-" + i, "linux.cmd", io.opsagent.fsm.protocol.StateParameters.parse(p.toString())));
        }
    }

    /** One round of {@value #STATES} no-op states; the score is the time per state. */
    @Benchmark
    @OperationsPerInvocation(STATES)
    public long roundOfNoOpStates() {
        agent.receive(RecipeMetadata.of(++version, states));
        loop.runUntilIdle();
        return logs;
    }
}
