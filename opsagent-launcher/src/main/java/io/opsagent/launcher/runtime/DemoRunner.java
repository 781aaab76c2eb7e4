package io.opsagent.launcher.runtime;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.launcher.AgentContext;
import io.opsagent.launcher.DemoRequest;
import io.opsagent.launcher.ExitCodes;
import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.host.HostLayout;
import io.opsagent.backend.BackendTimeoutException;
import io.opsagent.backend.Frame;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code opsagent demo}: the conformance kit's reference backend on a free loopback port pushes
 * {@code config/examples/demo-recipe.json} (built-in executor states that write under the demo's
 * folder, a comment, and a wait the backend releases), and the agent runs it, round after
 * round, while what crosses the wire is printed live. Stops after the requested rounds or on
 * Ctrl-C.
 */
public final class DemoRunner {

    /** The pause between the demo's rounds, short so that several rounds show. */
    static final Duration ROUND_INTERVAL = Duration.ofSeconds(2);
    static final String RECIPE_RESOURCE = "/io/opsagent/launcher/examples/demo-recipe.json";
    /** Where the recipe's files go when it is applied as it is; the demo moves them to its own folder. */
    static final String RECIPE_DIR = "/tmp/opsagent-demo";

    /** Builds an agent from the configuration (the runtime's own base builder). */
    @FunctionalInterface
    public interface AgentFactory {
        OpsAgent.Builder base(LauncherConfig config, HostLayout host, boolean dryRun);
    }

    int run(AgentContext context, DemoRequest request, CountDownLatch stopped, AgentFactory factory) {
        PrintStream out = context.out();
        Path workDir = context.host().root().resolve("demo");
        Recipe recipe = Recipe.fromJson(recipeText().replace(RECIPE_DIR, workDir.toString()));
        String waitId = recipe.waitStateIds().isEmpty() ? null : recipe.waitStateIds().get(0);
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new OpsAgentException("cannot create " + workDir + ": " + e.getMessage(), e);
        }
        AtomicInteger rounds = new AtomicInteger();
        AtomicInteger reported = new AtomicInteger();
        CountDownLatch enoughRounds = new CountDownLatch(1);
        try (ReferenceBackend backend = ReferenceBackend.builder()
                .host(InetAddress.getLoopbackAddress())
                .port(0)
                .autoAck(true)
                .recipeOnHandshake(recipe)
                .build()
                .start()) {
            backend.addListener(frame -> {
                if (frame.kind() == Frame.Kind.RECEIVED || frame.kind() == Frame.Kind.SENT) {
                    out.println((frame.kind() == Frame.Kind.SENT ? "backend -> agent  " : "agent -> backend  ")
                            + abbreviate(frame.text()));
                }
            });
            out.println("reference backend listening on " + backend.url());
            out.println("the recipe's files go to " + workDir);
            OpsAgent agent = factory.base(context.config(), context.host(), false)
                    .identity(new AgentIdentity("i-demo", "app-demo", context.agentVersion(), "demo-token"))
                    .connection(ConnectionSettings.builder(backend.url())
                            .reconnect(Duration.ofMillis(200), Duration.ofSeconds(2))
                            .build())
                    .roundInterval(ROUND_INTERVAL)
                    .listener(new RoundListener() {
                        @Override
                        public void stateStarted(long version, int index, RecipeState state) {
                            if (state.id().equals(waitId)) {
                                out.println("            the backend releases wait state " + waitId);
                                backend.releaseWait(version, waitId);
                            }
                        }

                        @Override
                        public void stateFinished(long version, int index, RecipeState state, StateResult result,
                                long nanos) {
                            reported.incrementAndGet();
                            out.printf("  state %-18s %-14s %-4s %s%n", state.id(), state.module(),
                                    result.success() ? "ok" : "FAIL",
                                    result.comment() == null ? "" : result.comment().lines().findFirst().orElse(""));
                        }

                        @Override
                        public void roundFinished(long version, long round, boolean success) {
                            out.printf("round %d of recipe %d %s%n", round, version,
                                    success ? "succeeded" : "ceased after a failure");
                            if (rounds.incrementAndGet() >= request.rounds()) {
                                enoughRounds.countDown();
                            }
                        }
                    })
                    .build();
            agent.start();
            LibraryRuntime.awaitEither(stopped, enoughRounds);
            // The last StateLog may still be on its way when the round ends.
            try {
                backend.await("the last StateLogs", () -> backend.stateLogs().size() >= reported.get() ? true : null,
                        java.time.Duration.ofSeconds(10));
            } catch (BackendTimeoutException e) {
                out.println("the backend did not receive every StateLog: " + e.getMessage());
            }
            agent.close();
            out.printf("demo finished: %d round(s), %d StateLog(s) received by the backend%n", rounds.get(),
                    backend.stateLogs().size());
            out.flush();
            return ExitCodes.OK;
        } catch (IOException e) {
            throw new OpsAgentException("cannot start the demo backend: " + e.getMessage(), e);
        }
    }

    static String recipeText() {
        try (InputStream in = DemoRunner.class.getResourceAsStream(RECIPE_RESOURCE)) {
            if (in == null) {
                throw new OpsAgentException("the demo recipe " + RECIPE_RESOURCE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpsAgentException("cannot read the demo recipe: " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() > 160 ? oneLine.substring(0, 159) + "…" : oneLine;
    }
}
