/**
 * Implementation detail (internal, no compatibility promise): the built-in executor's Java
 * implementations of {@code linux.file}, {@code linux.dir}, {@code linux.symlink} and
 * {@code linux.cmd}.
 */
package io.opsagent.fsm.internal.exec.builtin;
