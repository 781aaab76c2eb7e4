/**
 * State executors (public API): {@link io.opsagent.fsm.exec.SaltCallExecutor} applies states
 * through Salt, {@link io.opsagent.fsm.exec.NativeExecutor} applies the core file and command
 * modules in Java, and {@link io.opsagent.fsm.exec.StateExecutors} picks one from settings.
 */
package io.opsagent.fsm.exec;
