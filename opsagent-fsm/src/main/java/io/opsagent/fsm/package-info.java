/**
 * The agent library's public API: the {@link io.opsagent.fsm.OpsAgent} facade, the round states
 * and events, listeners, snapshots and the time source it runs on.
 */
package io.opsagent.fsm;
