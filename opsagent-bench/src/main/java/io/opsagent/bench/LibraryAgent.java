package io.opsagent.bench;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.BackoffPolicy;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.SingleThreadEventLoop;
import io.opsagent.fsm.exec.NativeExecutor;
import io.opsagent.tck.AgentProbe;
import io.opsagent.tck.AgentSettings;
import io.opsagent.tck.AgentUnderTest;
import java.time.Duration;

/**
 * The library's agent in this JVM, as the bench's agent under test: built with the public
 * facade as an embedding application would, with the built-in executor, its own event loop and
 * (optionally) a state directory, as {@code opsagent run} has.
 */
final class LibraryAgent implements AgentUnderTest {

    private final boolean persistent;
    private OpsAgent agent;
    private SingleThreadEventLoop loop;

    /** @param persistent whether the agent keeps its round and outbox on disk, as the daemon does */
    LibraryAgent(boolean persistent) {
        this.persistent = persistent;
    }

    @Override
    public void start(AgentSettings settings, AgentProbe probe) {
        loop = new SingleThreadEventLoop("opsagent-loop-bench");
        OpsAgent.Builder builder = OpsAgent.builder()
                .identity(new AgentIdentity(settings.instanceId(), settings.appId(), "bench",
                        settings.instanceToken()))
                .executor(new NativeExecutor())
                .eventLoop(loop)
                .connection(ConnectionSettings.builder(settings.backendUrl())
                        .reconnect(settings.reconnectInitial(), settings.reconnectMax())
                        .notReadyRetry(settings.notReadyRetryPause())
                        .build())
                .roundInterval(settings.roundInterval())
                .backoff(BackoffPolicy.proportional(settings.backoffInitial(), settings.backoffMax(), 0.2))
                .stateTimeout(settings.stateTimeout());
        if (persistent) {
            builder.stateDirectory(settings.workDir().resolve("state"));
        }
        agent = builder.build();
        agent.start();
    }

    @Override
    public void stop() throws InterruptedException {
        if (agent != null) {
            agent.close();
            loop.execute(loop::shutdown);
            loop.awaitTermination(Duration.ofSeconds(10));
        }
    }
}
