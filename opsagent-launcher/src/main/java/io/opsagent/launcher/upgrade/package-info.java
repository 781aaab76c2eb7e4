/**
 * Safe self-upgrade (application, not an API): fetch and verify a signed release, unpack it
 * beside the running one, switch the {@code current} link atomically, and roll back when the new
 * release does not come up. See {@code docs/upgrade.md}.
 */
package io.opsagent.launcher.upgrade;
