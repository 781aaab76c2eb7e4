/**
 * The reference backend: a scriptable WebSocket peer that speaks the backend side of the
 * protocol and records everything the agent sends (public API).
 */
package io.opsagent.backend;
