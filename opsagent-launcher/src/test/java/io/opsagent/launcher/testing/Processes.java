package io.opsagent.launcher.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a deadline; output goes through files, so nothing can block on a full pipe. */
public final class Processes {

    /** What a finished command left behind. */
    public record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    public static final Duration DEADLINE = Duration.ofSeconds(60);

    private Processes() {}

    /** A copy of this process's environment without proxy settings, so that loopback requests stay local. */
    public static Map<String, String> cleanEnvironment(Map<String, String> environment) {
        environment.keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy") || k.startsWith("OPSAGENT_"));
        environment.put("no_proxy", "127.0.0.1,localhost");
        return environment;
    }

    public static Result run(List<String> command, Map<String, String> extraEnvironment, Path workDir)
            throws IOException, InterruptedException {
        Path stdout = Files.createTempFile("proc-", ".out");
        Path stderr = Files.createTempFile("proc-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            cleanEnvironment(builder.environment());
            builder.environment().putAll(extraEnvironment);
            Process process = builder.start();
            if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + DEADLINE + "\n--- stdout\n"
                        + Files.readString(stdout) + "--- stderr\n" + Files.readString(stderr));
            }
            return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    /** The java launcher of the JVM running the tests. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
