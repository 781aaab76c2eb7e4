package io.opsagent.launcher;

import io.opsagent.fsm.OpsAgentException;

/**
 * The runtime of a launcher built without the agent library's round machine: every command
 * fails with a message that says so. Replaced in {@link AgentRuntimes#create()}.
 */
final class NotWiredRuntime implements AgentRuntime {

    @Override
    public int run(AgentContext context) {
        throw notWired("run");
    }

    @Override
    public int apply(AgentContext context, ApplyRequest request) {
        throw notWired("apply");
    }

    @Override
    public int demo(AgentContext context, DemoRequest request) {
        throw notWired("demo");
    }

    @Override
    public void stop() {
        // Nothing runs.
    }

    private static OpsAgentException notWired(String command) {
        return new OpsAgentException("'opsagent " + command + "' is not wired in this build: the configuration and the "
                + "host are ready, but the agent runtime is missing");
    }
}
