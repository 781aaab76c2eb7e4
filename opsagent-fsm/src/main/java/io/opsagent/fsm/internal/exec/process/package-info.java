/**
 * Implementation detail (internal, no compatibility promise): child processes with size-capped
 * output and a kill that reaches every process of the tree.
 */
package io.opsagent.fsm.internal.exec.process;
