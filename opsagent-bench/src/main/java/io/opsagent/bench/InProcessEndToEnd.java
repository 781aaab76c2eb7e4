package io.opsagent.bench;

import io.opsagent.bench.wire.BenchException;
import io.opsagent.bench.wire.BenchReport;
import io.opsagent.bench.wire.EndToEndBench;
import io.opsagent.bench.wire.WorkDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The end-to-end bench of {@code BenchCommand}, with the library's agent in this JVM
 * instead of a process: the same metrics, measured the same way at the same reference backend.
 *
 * <p>Run: {@code ./mvnw -Pbench -pl opsagent-bench -am package -DskipTests} then
 * {@code java -cp opsagent-bench/target/benchmarks.jar io.opsagent.bench.InProcessEndToEnd
 * [--json] [--iterations N] [--warmup N] [--pause-ms N] [--persistent]}: {@code --persistent} keeps
 * the round and outbox on disk as the daemon does.
 */
public final class InProcessEndToEnd {

    private InProcessEndToEnd() { }

    public static void main(String[] args) throws IOException, InterruptedException {
        int iterations = 300;
        int warmup = 30;
        boolean json = false;
        boolean persistent = false;
        Duration pause = EndToEndBench.DEFAULT_PAUSE;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--iterations":
                    iterations = Integer.parseInt(args[++i]);
                    break;
                case "--warmup":
                    warmup = Integer.parseInt(args[++i]);
                    break;
                case "--json":
                    json = true;
                    break;
                case "--pause-ms":
                    pause = Duration.ofMillis(Long.parseLong(args[++i]));
                    break;
                case "--persistent":
                    persistent = true;
                    break;
                default:
                    System.err.println("usage: InProcessEndToEnd [--json] [--iterations N] [--warmup N]"
                            + " [--pause-ms N] [--persistent]");
                    System.exit(1);
                    return;
            }
        }
        Path workDir = Files.createTempDirectory("opsagent-bench-inprocess-");
        try {
            EndToEndBench.Result result = new EndToEndBench(EndToEndBench.Options.of(iterations, warmup, pause), System.err)
                    .run(new LibraryAgent(persistent), workDir, () -> "in-process library agent");
            System.out.print(json ? BenchReport.json(result) + "\n"
                    : BenchReport.table(result, "the library in this JVM (InProcessEndToEnd"
                            + (persistent ? " --persistent" : "") + ")"));
        } catch (BenchException e) {
            System.err.println("InProcessEndToEnd: " + e.getMessage());
            System.exit(2);
        } finally {
            WorkDirs.delete(workDir);
        }
        System.exit(0);
    }
}
