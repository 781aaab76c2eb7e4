/** Test support for embedders (public API): a manual event loop whose time moves only on request. */
package io.opsagent.fsm.testing;
