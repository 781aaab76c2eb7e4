/**
 * The wire protocol (public API): immutable message types and the strict JSON codec, compatible
 * with the original VisualOps backend.
 */
package io.opsagent.fsm.protocol;
