/** Implementation detail (not an API): the WebSocket connection to the backend and its outbox. */
package io.opsagent.fsm.internal.transport;
