package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opsagent.launcher.testing.Processes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform release, target/opsagent-<version>-linux-x64.tgz: the plain release plus a jlink
 * runtime, which must run the agent on a host where no other Java can be found.
 */
class PlatformReleaseIT {

    /** The commands bin/opsagent and the test's recipe need, and no java among them. */
    private static final List<String> TOOLS = List.of("sh", "dirname", "readlink", "cat", "stat", "mv", "rm",
            "printf", "pwd", "sed");

    static Path tarball;
    static String version;

    @TempDir
    static Path dir;

    static Path release;
    static Path tools;

    @BeforeAll
    static void unpack() throws Exception {
        tarball = Path.of(System.getProperty("opsagent.dist.platform.tarball", "target/opsagent-unknown-linux-x64.tgz"));
        version = System.getProperty("opsagent.version");
        assumeTrue(Files.isRegularFile(tarball),
                "no platform release: the build makes it only on Linux x86-64 (profile platform-linux-x64)");
        release = Files.createDirectories(dir.resolve("release"));
        Processes.Result r = Processes.run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C",
                release.toString()), Map.of(), release);
        assertThat(r.exitCode()).as(r.toString()).isZero();

        tools = toolsWithoutJava(dir.resolve("tools"));
    }

    /** A new folder {@code tools} of links to the commands bin/opsagent needs, for a PATH that reaches no java. */
    static Path toolsWithoutJava(Path tools) throws IOException {
        Files.createDirectories(tools);
        for (String tool : TOOLS) {
            Path found = Arrays.stream(System.getenv("PATH").split(":"))
                    .map(d -> Path.of(d, tool))
                    .filter(Files::isExecutable)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(tool + " is not on PATH"));
            Files.createSymbolicLink(tools.resolve(tool), found.toRealPath());
        }
        return tools;
    }

    /** {@code command} in an environment of only PATH=tools: no JAVA_HOME, no java on PATH. */
    private static Processes.Result withoutJava(String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of("/usr/bin/env", "-i", "PATH=" + tools));
        line.addAll(List.of(command));
        return Processes.run(line, Map.of(), dir);
    }

    @Test
    void theTarballIsThePlainReleasePlusARuntimeWithoutLinks() throws Exception {
        Processes.Result r = Processes.run(List.of("tar", "-tvzf", tarball.toAbsolutePath().toString()), Map.of(),
                dir);
        Map<String, String> modes = r.stdout().lines()
                .map(l -> l.split("\\s+"))
                .collect(Collectors.toMap(f -> f[f.length - 1], f -> f[0]));
        assertThat(modes).containsEntry("bin/opsagent", "-rwxr-xr-x")
                .containsEntry("lib/opsagent.jar", "-rw-r--r--")
                .containsEntry("scripts/userdata.sh", "-rwxr-xr-x")
                .containsEntry("runtime/bin/java", "-rwxr-xr-x")
                .containsEntry("runtime/lib/jspawnhelper", "-rwxr-xr-x")
                .containsKey("runtime/lib/server/classes.jsa")
                .containsKey("runtime/legal/java.base/LICENSE");
        // The bootstrap and the upgrader refuse links and special files.
        assertThat(modes.values()).allMatch(m -> m.startsWith("-") || m.startsWith("d"));

        Path plain = Path.of(System.getProperty("opsagent.dist.tarball"));
        Set<String> plainNames = new TreeSet<>(Processes.run(List.of("tar", "-tzf", plain.toAbsolutePath().toString()),
                Map.of(), dir).stdout().lines().toList());
        Set<String> extra = new TreeSet<>(modes.keySet());
        extra.removeAll(plainNames);
        assertThat(modes.keySet()).containsAll(plainNames);
        assertThat(extra).allMatch(name -> name.startsWith("runtime/"));
    }

    @Test
    void theRuntimeHoldsEveryModuleTheJarNeeds() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = jdeps.run(print, print, "--ignore-missing-deps", "--multi-release", "17", "--print-module-deps",
                release.resolve("lib/opsagent.jar").toString());
        String printed = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(code).as(printed).isZero();
        Set<String> needed = Set.of(printed.split(","));

        Set<String> present = runtimeModules();
        assertThat(present).containsAll(needed)
                // Found as services at run time, which jdeps cannot see.
                .contains("jdk.crypto.ec", "jdk.random")
                // jlink was given a list, not the whole JDK.
                .doesNotContain("jdk.compiler", "jdk.jshell", "java.smartcardio");
    }

    private static Set<String> runtimeModules() {
        try {
            String line = Files.readAllLines(release.resolve("runtime/release")).stream()
                    .filter(l -> l.startsWith("MODULES="))
                    .findFirst()
                    .orElseThrow();
            return Set.of(line.substring("MODULES=".length()).replace("\"", "").split(" "));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void runsWithNoJavaOnPathAndNoJavaHome() throws Exception {
        Processes.Result which = withoutJava("sh", "-c", "command -v java || echo none; echo \"${JAVA_HOME:-unset}\"");
        assertThat(which.stdout()).as("the test's environment reaches no java").isEqualTo("none\nunset\n");

        Processes.Result v = withoutJava(release.resolve("bin/opsagent").toString(), "version");
        assertThat(v.exitCode()).as(v.toString()).isZero();
        assertThat(v.stdout()).startsWith("opsagent " + version + "\n")
                .contains("(" + release.resolve("runtime").toRealPath() + ")");
    }

    @Test
    void appliesARecipeWithNoJavaOnPathAndNoJavaHome() throws Exception {
        Path root = Files.createDirectories(dir.resolve("apply-root"));
        Path marker = root.resolve("hello.txt");
        Path recipe = root.resolve("recipe.json");
        Files.writeString(recipe, "[\n"
                + "  {\"id\": \"note\", \"module\": \"meta.comment\", \"parameter\": {}},\n"
                + "  {\"id\": \"greeting\", \"module\": \"linux.file\", \"parameter\": {\"path\": \"" + marker
                + "\", \"content\": \"hello\\n\", \"mode\": \"0644\"}},\n"
                + "  {\"id\": \"show\", \"module\": \"linux.cmd\", \"parameter\": {\"cmd\": \"cat " + marker
                + "\"}}\n"
                + "]\n");

        Processes.Result r = withoutJava(release.resolve("bin/opsagent").toString(), "apply", recipe.toString(),
                "--root", root.toString(), "--executor", "native", "--json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Files.readString(marker)).isEqualTo("hello\n");
        assertThat(r.stdout()).contains("\"greeting\"").contains("\"show\"").contains("hello");
    }

    @Test
    void theDemoConnectsAndRunsRoundsWithNoJavaOnPathAndNoJavaHome() throws Exception {
        Processes.Result r = withoutJava(release.resolve("bin/opsagent").toString(), "demo", "--rounds", "1");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout() + r.stderr()).contains("StateLog(s) received by the backend");
    }
}
