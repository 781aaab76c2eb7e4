/** {@code opsagent diagnose}: checks of the host, the configuration and the way to the backend, each with its fix. */
package io.opsagent.launcher.diagnose;
