package io.opsagent.bench;

import com.google.gson.JsonObject;
import io.opsagent.fsm.exec.SaltCallExecutor;
import io.opsagent.fsm.exec.SaltWorkerSettings;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * What one {@code linux.file} state costs through Salt: with the resident Salt worker and with
 * one {@code salt-call} per state. Each state changes the file (the content alternates), so
 * Salt does its real work every time. Three runs, each with a new executor:
 * <ul>
 *   <li>{@code worker, new host}: a new work directory, so nothing is remembered: the first
 *       state runs through salt-call and the worker starts after it (asking salt-call for its
 *       interpreter, loading Salt, compiling Salt's modules into its bytecode cache);</li>
 *   <li>{@code worker, restart}: the same work directory again, as after an agent restart: the
 *       interpreter is remembered and the bytecode cached, so the first state waits for the
 *       worker to load;</li>
 *   <li>{@code salt-call}: the worker off, one salt-call per state.</li>
 * </ul>
 * The median is over the states after the first.
 *
 * <p>Run: {@code ./mvnw -Pbench -pl opsagent-bench -am package -DskipTests} then
 * {@code java -cp opsagent-bench/target/benchmarks.jar io.opsagent.bench.SaltStateCost
 * --salt-call ../shared/salt/salt-call [--states 30] [--salt-call-states 6]}.
 */
public final class SaltStateCost {

    private SaltStateCost() { }

    public static void main(String[] args) throws Exception {
        Path saltCall = null;
        int states = 30;
        int saltCallStates = 6;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--salt-call":
                    saltCall = Path.of(args[++i]).toAbsolutePath();
                    break;
                case "--states":
                    states = Integer.parseInt(args[++i]);
                    break;
                case "--salt-call-states":
                    saltCallStates = Integer.parseInt(args[++i]);
                    break;
                default:
                    usage();
                    return;
            }
        }
        if (saltCall == null || states < 2 || saltCallStates < 2) {
            usage();
            return;
        }
        System.out.println("load average: " + Files.readString(Path.of("/proc/loadavg")).strip());
        Path dir = Files.createTempDirectory("opsagent-salt-bench-");
        measure("worker, new host", saltCall, dir.resolve("w"), SaltWorkerSettings.defaults(), states);
        measure("worker, restart", saltCall, dir.resolve("w"), SaltWorkerSettings.defaults(), states);
        measure("salt-call", saltCall, dir.resolve("c"), SaltWorkerSettings.off(), saltCallStates);
        System.out.println("load average: " + Files.readString(Path.of("/proc/loadavg")).strip());
    }

    private static void measure(String name, Path saltCall, Path dir, SaltWorkerSettings settings, int states)
            throws IOException {
        Files.createDirectories(dir);
        double[] millis = new double[states];
        try (SaltCallExecutor executor = new SaltCallExecutor(saltCall, dir.resolve("salt"), dir.resolve("work"), settings)) {
            for (int i = 0; i < states; i++) {
                JsonObject p = new JsonObject();
                p.addProperty("path", dir.resolve("bench.txt").toString());
                p.addProperty("content", i % 2 == 0 ? "a\n" : "b\n");
                RecipeState state = new RecipeState("bench", "linux.file", io.opsagent.fsm.protocol.StateParameters.parse(p.toString()));
                CompletableFuture<StateResult> done = new CompletableFuture<>();
                long start = System.nanoTime();
                executor.start(new StateRequest(i, state, false, Duration.ofMinutes(2)), done::complete);
                StateResult r = done.join();
                millis[i] = (System.nanoTime() - start) / 1e6;
                if (!r.success() || !r.changed()) {
                    throw new IllegalStateException(name + ": state " + i + " did not change the file: " + r.comment());
                }
            }
        }
        double[] rest = Arrays.copyOfRange(millis, 1, states);
        Arrays.sort(rest);
        System.out.printf("%-16s first state %7.1f ms; next %d states: median %7.1f ms, min %7.1f ms, max %7.1f ms%n",
                name, millis[0], rest.length, median(rest), rest[0], rest[rest.length - 1]);
        Files.writeString(dir.resolve("times.txt"), Arrays.toString(millis), StandardCharsets.UTF_8);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void usage() {
        System.err.println("usage: SaltStateCost --salt-call PATH [--states N] [--salt-call-states N]");
        System.exit(1);
    }
}
