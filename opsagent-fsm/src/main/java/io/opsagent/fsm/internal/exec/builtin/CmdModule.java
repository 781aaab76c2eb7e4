package io.opsagent.fsm.internal.exec.builtin;

import io.opsagent.fsm.internal.exec.Executables;
import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.internal.exec.KeyValue;
import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.internal.exec.TextCaps;
import io.opsagent.fsm.internal.exec.process.ManagedProcess;
import io.opsagent.fsm.internal.exec.process.OutputLimit;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.process.ProcessOutcome;
import io.opsagent.fsm.internal.exec.process.ProcessSpec;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code linux.cmd}: runs {@code cmd} with {@code shell -c} (default {@code /bin/sh}) in
 * {@code cwd} (default {@code /opt/visualops/tmp/} under the agent's root, created when missing),
 * with the {@link CommandEnvironment} plus {@code env} (entries with an empty value dropped) and
 * umask {@value CommandEnvironment#UMASK}, as {@code user} and
 * {@code group} (through {@code runuser}; only when the agent runs as root), for at most
 * {@code timeout} seconds (default 600; then the whole process tree is killed). It runs only
 * when every {@code if-path-present} path exists and no {@code if-path-absent} path does;
 * otherwise it is a success that changed nothing. Exit code 0 is a success that changed the
 * host. stdout and stderr are captured together, capped while reading.
 */
final class CmdModule implements BuiltinModule {

    /** Where commands run when the recipe names no {@code cwd} and the agent has no root prefix. */
    public static final Path DEFAULT_CWD = Path.of("/opt/visualops/tmp");

    /** 40 KiB from the start and 20 KiB from the end of the output: within the 64 KiB report cap. */
    static final OutputLimit OUTPUT_LIMIT = OutputLimit.of(40 * 1024, 20 * 1024);

    private final ProcessLauncher launcher;
    private final Path defaultCwd;
    private final Map<String, String> agentEnvironment;

    CmdModule(ProcessLauncher launcher, Path defaultCwd, Map<String, String> agentEnvironment) {
        this.launcher = launcher;
        this.defaultCwd = defaultCwd;
        this.agentEnvironment = Map.copyOf(agentEnvironment);
    }

    @Override
    public StateResult apply(Params p, boolean dryRun, Execution execution) throws IOException {
        String cmd = p.requiredString("cmd");
        String shell = p.string("shell", "/bin/sh");
        boolean defaultCwd = !p.has("cwd");
        Path cwd = p.absolutePath("cwd").map(Path::of).orElse(this.defaultCwd);
        Map<String, String> env = new LinkedHashMap<>();
        for (KeyValue kv : p.keyValues("env")) {
            if (!kv.value().isEmpty()) {
                env.put(kv.key(), kv.value());
            }
        }
        long timeout = p.positiveInteger("timeout", 600);
        List<String> present = p.absolutePaths("if-path-present");
        List<String> absent = p.absolutePaths("if-path-absent");
        List<String> identity = identityPrefix(p);

        for (String path : present) {
            if (!Files.exists(Path.of(path))) {
                return StateResult.unchanged("onlyif condition is false: " + path + " does not exist");
            }
        }
        for (String path : absent) {
            if (Files.exists(Path.of(path))) {
                return StateResult.unchanged("onlyif condition is false: " + path + " exists");
            }
        }
        String quoted = "Command \"" + cmd + "\"";
        if (dryRun) {
            return StateResult.changed(quoted + " would have been executed", null);
        }
        if (!Files.isDirectory(cwd)) {
            if (!defaultCwd) {
                return StateResult.failed("Desired working directory \"" + cwd + "\" is not available", null);
            }
            Files.createDirectories(cwd);
        }
        List<String> argv = new ArrayList<>(identity);
        argv.addAll(CommandEnvironment.withUmask(List.of(shell, "-c", cmd)));
        ManagedProcess process = launcher.start(new ProcessSpec(argv, cwd, CommandEnvironment.of(agentEnvironment, env),
                true, OUTPUT_LIMIT, OutputLimit.of(0, 0), false));
        if (execution.attach(process)) {
            execution.stopAfter(Duration.ofSeconds(timeout), quoted + " timed out after " + timeout + " s");
        }
        ProcessOutcome outcome = process.outcome().join();
        String output = outcome.stdout().totalBytes() == 0 ? null : TextCaps.capReport(outcome.stdout().text());
        Optional<String> stopped = execution.stopReason();
        if (stopped.isPresent()) {
            return StateResult.failed(stopped.get() + "; killed " + outcome.killedProcesses()
                    + " process(es) of the command's tree (pid " + process.pid() + ")", output);
        }
        if (outcome.exitCode() == 0) {
            return StateResult.changed(quoted + " run", output);
        }
        return StateResult.failed(quoted + " failed with exit code " + outcome.exitCode(), output);
    }

    /** {@code runuser -u USER [-g GROUP] --} when a user or group is asked for and the agent is root. */
    private static List<String> identityPrefix(Params p) {
        Optional<String> user = p.string("user");
        Optional<String> group = p.string("group");
        if (user.isEmpty() && group.isEmpty()) {
            return List.of();
        }
        Ownership.user(p, "user");
        Ownership.group(p, "group");
        if (!Ownership.runningAsRoot()) {
            if (group.isPresent()) {
                throw p.invalid("group", "asks to run as group '" + group.get()
                        + "', which needs the agent to run as root; it runs as '" + Ownership.currentUser() + "'");
            }
            if (!user.get().equals(Ownership.currentUser())) {
                throw p.invalid("user", "asks to run as '" + user.get()
                        + "', which needs the agent to run as root; it runs as '" + Ownership.currentUser() + "'");
            }
            return List.of();
        }
        Path runuser = Executables.findOnPath("runuser")
                .or(() -> Executables.findOnPath("runuser", "/usr/sbin:/sbin"))
                .orElseThrow(() -> p.invalid(user.isPresent() ? "user" : "group",
                        "needs the runuser program (util-linux) to switch users, and it was not found"));
        List<String> prefix = new ArrayList<>(List.of(runuser.toString(), "-u", user.orElse("root")));
        group.ifPresent(g -> {
            prefix.add("-g");
            prefix.add(g);
        });
        prefix.add("--");
        return prefix;
    }
}
