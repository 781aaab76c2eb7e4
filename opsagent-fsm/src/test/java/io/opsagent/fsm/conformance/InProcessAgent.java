package io.opsagent.fsm.conformance;

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
 * The library's agent, built with the public facade, as the conformance kit's agent under test:
 * the built-in executor runs the kit's {@code linux.cmd} states, and upgrade orders are reported
 * to the kit's probe and then refused (nothing is installed in a test), so the agent goes on.
 * It offers no {@code releaseInstaller}: the library does not install releases (the launcher
 * does), so the kit skips R5.4 here, saying that the adapter offers no release installer.
 */
final class InProcessAgent implements AgentUnderTest {

    private OpsAgent agent;
    private SingleThreadEventLoop loop;

    @Override
    public void start(AgentSettings settings, AgentProbe probe) {
        loop = new SingleThreadEventLoop("opsagent-loop-tck");
        agent = OpsAgent.builder()
                .identity(new AgentIdentity(settings.instanceId(), settings.appId(), "tck", settings.instanceToken()))
                .executor(new NativeExecutor())
                .eventLoop(loop)
                .connection(ConnectionSettings.builder(settings.backendUrl())
                        .reconnect(settings.reconnectInitial(), settings.reconnectMax())
                        .notReadyRetry(settings.notReadyRetryPause())
                        .pingInterval(settings.pingInterval())
                        .caFile(settings.caFile())
                        .build())
                .roundInterval(settings.roundInterval())
                .backoff(BackoffPolicy.proportional(settings.backoffInitial(), settings.backoffMax(), 0.2))
                .stateTimeout(settings.stateTimeout())
                .stateDirectory(settings.workDir().resolve("state"))
                .upgrader((order, callback) -> {
                    probe.upgradeStarted(order.version(), order.url());
                    callback.failed("the conformance run records upgrades and installs nothing");
                })
                .build();
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

    @Override
    public boolean reportsUpgrades() {
        return true;
    }
}
