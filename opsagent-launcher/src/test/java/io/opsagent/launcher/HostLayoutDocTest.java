package io.opsagent.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.runtime.LibraryRuntime;
import io.opsagent.launcher.testing.RepositoryFiles;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host layout of docs/operations.md against what {@code run --root} really makes: every
 * path the agent creates while it connects, applies a recipe and stops is in the table.
 */
@Timeout(120)
class HostLayoutDocTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(/[^`]+)` \\|.*");

    @TempDir
    Path root;

    @Test
    void everyPathRunCreatesIsInTheDocumentedLayout() throws Exception {
        Recipe recipe = Recipe.fromJson("{\"recipe_version\": 1, \"state\": ["
                + "{\"id\": \"hello\", \"module\": \"linux.cmd\", \"parameter\": {\"cmd\": \"true\"}}]}");
        FakeShutdownHooks hooks = new FakeShutdownHooks();
        try (ReferenceBackend backend = ReferenceBackend.builder().host(InetAddress.getLoopbackAddress()).port(0)
                .autoAck(true).recipeOnHandshake(recipe).build().start()) {
            Files.createDirectories(root.resolve("etc"));
            Files.writeString(root.resolve("etc/opsagent.conf"), "[userdata]\nws_uri = " + backend.url()
                    + "\napp_id = app-1\n[network]\ninstance_id = i-layout\n[executor]\nkind = native\n");
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            Launcher launcher = new Launcher(LibraryRuntime::new, Map.of(), new PrintStream(sink, true, StandardCharsets.UTF_8),
                    new PrintStream(sink, true, StandardCharsets.UTF_8), hooks, Clock.systemUTC());

            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                    () -> launcher.execute("run", "--root", root.toString()));
            backend.awaitStateLogs(1, Duration.ofSeconds(60));
            hooks.fire();
            assertThat(exit.get(60, TimeUnit.SECONDS)).as(sink.toString(StandardCharsets.UTF_8)).isZero();
        }

        List<String> documented = documentedPaths();
        List<String> undocumented = new ArrayList<>();
        for (String made : madeUnderRoot()) {
            boolean listed = documented.contains(made);
            boolean parentOfListed = documented.stream().anyMatch(d -> d.startsWith(made + "/"));
            if (!listed && !parentOfListed) {
                undocumented.add(made);
            }
        }
        assertThat(undocumented).as("made by run --root but missing from docs/operations.md").isEmpty();
        assertThat(documented).contains("/var/lib/visualops/round.json", "/var/lib/visualops/outbox.journal",
                "/var/lib/visualops/work", "/var/lib/visualops/salt", "/opt/visualops/tmp");
    }

    /** Every path under the root, as the host path it stands for ({@code /var/lib/visualops}). */
    private TreeSet<String> madeUnderRoot() throws IOException {
        TreeSet<String> paths = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root)).forEach(p -> paths.add("/" + root.relativize(p)));
        }
        return paths;
    }

    private static List<String> documentedPaths() throws IOException {
        List<String> paths = new ArrayList<>();
        for (String line : Files.readAllLines(RepositoryFiles.resolve("docs/operations.md"), StandardCharsets.UTF_8)) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                String p = m.group(1);
                paths.add(p.endsWith("/") ? p.substring(0, p.length() - 1) : p);
            }
        }
        return paths;
    }
}
