/** Implementation detail (not an API): what the agent keeps on disk across restarts. */
package io.opsagent.fsm.internal.store;
