package io.opsagent.launcher.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.Launcher;
import io.opsagent.launcher.host.FileModes;
import io.opsagent.launcher.testing.RepositoryFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's {@code apply} example, run as written on a fresh machine: its {@code --root}
 * does not exist yet. Only the root's location and the recipe's {@code /tmp/} paths move into
 * this test's folder, so the host stays untouched.
 */
@Timeout(120)
class ReadmeCommandsTest {

    private static final String JAR = "java -jar opsagent-launcher/target/opsagent.jar ";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Every line of the README that runs the launcher with concrete arguments (no [options] or |). */
    static List<List<String>> readmeCommands(String command) throws IOException {
        List<List<String>> commands = new ArrayList<>();
        for (String line : Files.readAllLines(RepositoryFiles.resolve("README.md"), StandardCharsets.UTF_8)) {
            if (line.startsWith(JAR + command + " ") && !line.contains("[") && !line.contains("|")) {
                commands.add(Arrays.asList(line.substring(JAR.length()).trim().split("\\s+")));
            }
        }
        return commands;
    }

    @Test
    void theReadmesApplyExampleWorksWithARootThatDoesNotExistYet() throws IOException {
        List<List<String>> applies = readmeCommands("apply");
        assertThat(applies).as("the README's apply example").hasSize(1);
        List<String> args = new ArrayList<>(applies.get(0));
        int rootAt = args.indexOf("--root");
        assertThat(rootAt).as("the example names a --root").isPositive();
        Path freshRoot = dir.resolve("fresh/oa");
        args.set(rootAt + 1, freshRoot.toString());
        Path example = RepositoryFiles.resolve(args.get(1));
        Path recipe = dir.resolve(example.getFileName());
        Files.writeString(recipe, Files.readString(example).replace("/tmp/", dir.resolve("files") + "/"));
        args.set(1, recipe.toString());

        Launcher launcher = new Launcher(LibraryRuntime::new, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), (name, action) -> () -> true, Clock.systemUTC());
        int code = launcher.execute(args.toArray(String[]::new));

        assertThat(code).as(out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("every state succeeded");
        assertThat(freshRoot.resolve("var/lib/visualops")).isDirectory();
        assertThat(FileModes.mode(Files.getPosixFilePermissions(freshRoot))).isEqualTo(0755);
        assertThat(FileModes.mode(Files.getPosixFilePermissions(freshRoot.getParent()))).isEqualTo(0755);
    }
}
