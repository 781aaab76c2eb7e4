package io.opsagent.launcher;

import io.opsagent.launcher.status.AgentStatus;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The launcher with a stand-in runtime, for tests that run it as a separate process: {@code run}
 * writes a status, prints {@code READY <pid>} and blocks until SIGTERM.
 */
public final class FakeAgentMain {

    private FakeAgentMain() {}

    public static void main(String[] args) {
        Main.launch(BlockingRuntime::new, args);
    }

    static final class BlockingRuntime implements AgentRuntime {
        private final CountDownLatch stopped = new CountDownLatch(1);

        @Override
        public int run(AgentContext context) {
            Instant now = Instant.now();
            context.status().write(new AgentStatus(context.agentVersion(), ProcessHandle.current().pid(), now, now,
                    "CONNECTING", context.config().userdata().wsUri().map(Object::toString).orElse(null), "IDLE",
                    null, 0, null, null, List.of(), 0));
            System.out.println("READY " + ProcessHandle.current().pid());
            System.out.flush();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ExitCodes.OK;
        }

        @Override
        public int apply(AgentContext context, ApplyRequest request) {
            return ExitCodes.OK;
        }

        @Override
        public int demo(AgentContext context, DemoRequest request) {
            return ExitCodes.OK;
        }

        @Override
        public void stop() {
            stopped.countDown();
        }
    }
}
