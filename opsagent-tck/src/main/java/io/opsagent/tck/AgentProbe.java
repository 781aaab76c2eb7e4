package io.opsagent.tck;

/**
 * What an {@link AgentUnderTest} reports to the kit about effects the wire cannot show. The kit
 * passes one to {@link AgentUnderTest#start}; calls may come from any thread.
 */
public interface AgentProbe {

  /**
   * The agent has begun the upgrade an {@code AgentUpdate} ordered: call it at the moment the
   * agent would stop to install {@code version} (SPEC R2.7, R5). An adapter for an agent in
   * another process calls it when it observes the upgrade, for example when the agent runs a
   * configured upgrade command.
   */
  void upgradeStarted(String version, String url);
}
