package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host command for a test's set-up or check and returns its output. */
final class HostCommands {

    private HostCommands() {
    }

    /** Runs {@code argv} in {@code dir}; fails the test unless it exits 0. */
    static String run(Path dir, String... argv) throws IOException, InterruptedException {
        Result r = exec(dir, argv);
        assertThat(r.exitCode()).as("%s exited with %s: %s", List.of(argv), r.exitCode(), r.output()).isZero();
        return r.output();
    }

    /** Runs {@code argv} in {@code dir} and returns its exit code and output (stderr merged). */
    static Result exec(Path dir, String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(List.of(argv) + " did not finish within 2 minutes");
        }
        return new Result(p.exitValue(), out.strip());
    }

    record Result(int exitCode, String output) {
    }
}
