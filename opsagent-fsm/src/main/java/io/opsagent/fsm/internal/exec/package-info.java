/**
 * Implementation detail (internal, no compatibility promise): what the state executors of
 * {@code io.opsagent.fsm.exec} share, such as parameter reading and the execution handle.
 */
package io.opsagent.fsm.internal.exec;
