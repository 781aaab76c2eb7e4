/**
 * Service-provider interfaces (public API): what an embedding application plugs into the agent,
 * such as the {@link io.opsagent.fsm.spi.StateExecutor} that applies one state.
 */
package io.opsagent.fsm.spi;
