/**
 * The thin launcher (an application, not an API): the {@code opsagent} command, and
 * {@link io.opsagent.launcher.AgentRuntime}, the one seam through which it hands a prepared host
 * to the agent library.
 */
package io.opsagent.launcher;
