package io.opsagent.bench;

import com.google.gson.JsonObject;
import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testing.ManualEventLoop;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * What the round machine costs for one push, one release and one event that changes nothing,
 * when the CPU has been idle before each — as it is for every real push, which comes minutes
 * after the last. No thread, socket or codec: the agent runs on a manual loop in this thread,
 * and the time is taken from handing the message over to the StateLog reaching the sink.
 *
 * <p>Back to back ({@code --pause-ms 0}) the same work takes a few tens of microseconds; after
 * even a short pause it takes ten times more, because the code and data it touches have left
 * the CPU's caches. Comparing the two, and the machine's dispatch with a message dropped before
 * it, says how much of a push is the state machine.
 *
 * <p>Run: {@code ./mvnw -Pbench -pl opsagent-bench -am package -DskipTests} then
 * {@code java -XX:TieredStopAtLevel=1 -cp opsagent-bench/target/benchmarks.jar
 * io.opsagent.bench.ColdDispatch [--iterations 300] [--warmup 30] [--pause-ms 20]} (add the JVM
 * options of {@code bin/opsagent} to measure what the daemon does).
 */
public final class ColdDispatch {

    private static long logged;

    private ColdDispatch() { }

    public static void main(String[] args) {
        int iterations = 300;
        int warmup = 30;
        long pauseMs = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--iterations":
                    iterations = Integer.parseInt(args[++i]);
                    break;
                case "--warmup":
                    warmup = Integer.parseInt(args[++i]);
                    break;
                case "--pause-ms":
                    pauseMs = Long.parseLong(args[++i]);
                    break;
                default:
                    System.err.println("usage: ColdDispatch [--iterations N] [--warmup N] [--pause-ms N]");
                    System.exit(1);
                    return;
            }
        }
        ManualEventLoop loop = new ManualEventLoop();
        OpsAgent agent = OpsAgent.builder()
                .identity(new AgentIdentity("i-bench", "app-bench", "bench", "token"))
                .executor((request, callback) -> {
                    callback.completed(StateResult.unchanged("ok"));
                    return StateExecution.NONE;
                })
                .sink(message -> {
                    if (logged == 0) {
                        logged = System.nanoTime();
                    }
                })
                .eventLoop(loop)
                .roundInterval(Duration.ofDays(1))
                .listener(new RoundListener() { })
                .build();
        agent.start();
        loop.runUntilIdle();

        JsonObject note = new JsonObject();
        note.addProperty("note", "bench");
        List<RecipeState> states = List.of(new RecipeState("c0", RecipeState.COMMENT_MODULE, io.opsagent.fsm.protocol.StateParameters.parse(note.toString())),
                new RecipeState("w1", RecipeState.WAIT_MODULE, io.opsagent.fsm.protocol.StateParameters.parse(note.toString())),
                new RecipeState("c2", RecipeState.COMMENT_MODULE, io.opsagent.fsm.protocol.StateParameters.parse(note.toString())));
        long[] push = new long[iterations];
        long[] release = new long[iterations];
        long[] machineOnly = new long[iterations];
        long[] dropped = new long[iterations];
        for (int i = -warmup; i < iterations; i++) {
            long version = i + warmup + 1;
            long p = untilLogged(pauseMs, () -> agent.receive(RecipeMetadata.of(version, states)), loop);
            long r = untilLogged(pauseMs, () -> agent.receive(new StateDone(version, "w1")), loop);
            // The round is over: a release of an unknown wait is an internal transition of IDLE
            // (it is remembered and nothing else), one for another version never reaches the machine.
            long m = untilIdle(pauseMs, () -> agent.receive(new StateDone(version, "unknown")), loop);
            long d = untilIdle(pauseMs, () -> agent.receive(new StateDone(version + 1_000_000, "w1")), loop);
            if (i >= 0) {
                push[i] = p;
                release[i] = r;
                machineOnly[i] = m;
                dropped[i] = d;
            }
        }
        System.out.printf("%d samples after %d warm-up, %d ms pause before each (ms)%n", iterations, warmup, pauseMs);
        System.out.printf("%-34s %8s %8s %8s%n", "", "p50", "p90", "p99");
        print("push -> first StateLog", push);
        print("release -> next StateLog", release);
        print("an event the machine takes", machineOnly);
        print("an input dropped before the machine", dropped);
        System.exit(0);
    }

    private static long untilLogged(long pauseMs, Runnable handOver, ManualEventLoop loop) {
        LockSupport.parkNanos(pauseMs * 1_000_000);
        logged = 0;
        long start = System.nanoTime();
        handOver.run();
        loop.runUntilIdle();
        if (logged == 0) {
            throw new IllegalStateException("no StateLog reached the sink");
        }
        return logged - start;
    }

    private static long untilIdle(long pauseMs, Runnable handOver, ManualEventLoop loop) {
        LockSupport.parkNanos(pauseMs * 1_000_000);
        long start = System.nanoTime();
        handOver.run();
        loop.runUntilIdle();
        return System.nanoTime() - start;
    }

    private static void print(String what, long[] samples) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        System.out.printf("%-34s %8.3f %8.3f %8.3f%n", what, at(sorted, 0.50), at(sorted, 0.90), at(sorted, 0.99));
    }

    /** Nearest rank, as the end-to-end bench does. */
    private static double at(long[] sorted, double quantile) {
        int rank = (int) Math.ceil(quantile * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }
}
