package io.opsagent.fsm;

import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.AgentMessage;
import io.opsagent.fsm.protocol.BackendMessage;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.testing.ManualEventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/** An agent on a manual loop with a fake executor, recording what it sends and the states it enters. */
public final class AgentHarness {

    public final ManualEventLoop loop = new ManualEventLoop();
    public final FakeExecutor executor = new FakeExecutor();
    public final List<AgentMessage> sent = new ArrayList<>();
    public final List<RoundState> entered = new ArrayList<>();
    public final List<String> rejected = new ArrayList<>();
    public final OpsAgent agent;

    public AgentHarness() {
        this(b -> { });
    }

    public AgentHarness(java.util.function.Consumer<OpsAgent.Builder> customize) {
        this(loop -> loop, customize);
    }

    /** An agent whose event loop is {@code wrap} applied to {@link #loop}, which the test still drives. */
    public AgentHarness(java.util.function.UnaryOperator<EventLoop> wrap,
            java.util.function.Consumer<OpsAgent.Builder> customize) {
        OpsAgent.Builder b = OpsAgent.builder()
                .identity(new AgentIdentity("i-test", "app-test", "0.0.1", "secret-token"))
                .executor(executor)
                .sink(sent::add)
                .eventLoop(wrap.apply(loop))
                .random(new Random(42))
                .listener(new RoundListener() {
                    @Override
                    public void stateChanged(RoundState from, RoundState to) {
                        entered.add(to);
                    }

                    @Override
                    public void eventRejected(RoundEvent event, RoundState state, String reason) {
                        rejected.add(reason);
                    }
                });
        customize.accept(b);
        agent = b.build();
        agent.start();
        loop.runUntilIdle();
    }

    public static RecipeState cmd(String id) {
        JsonObject p = new JsonObject();
        p.addProperty("cmd", "true");
        return io.opsagent.fsm.testutil.Json.state(id, "linux.cmd", p);
    }

    public static RecipeState comment(String id) {
        return io.opsagent.fsm.testutil.Json.state(id, RecipeState.COMMENT_MODULE, null);
    }

    public static RecipeState waitFor(String id) {
        return io.opsagent.fsm.testutil.Json.state(id, RecipeState.WAIT_MODULE, null);
    }

    public static RecipeMetadata recipe(long version, RecipeState... states) {
        return RecipeMetadata.of(version, List.of(states));
    }

    public void receive(BackendMessage message) {
        agent.receive(message);
        loop.runUntilIdle();
    }

    public void succeed(String id) {
        executor.succeed(id);
        loop.runUntilIdle();
    }

    public void fail(String id) {
        executor.fail(id);
        loop.runUntilIdle();
    }

    public void advance(Duration d) {
        loop.advance(d);
    }

    public RoundState state() {
        return agent.snapshot().state();
    }

    public List<StateLog> logs() {
        return sent.stream().filter(StateLog.class::isInstance).map(StateLog.class::cast).toList();
    }

    /** The StateLogs so far as "version:id:result" strings, in order. */
    public List<String> logLines() {
        return logs().stream()
                .map(l -> l.recipeVersion() + ":" + l.id() + ":" + (l.stateResult() ? "ok" : "fail"))
                .collect(Collectors.toList());
    }
}
