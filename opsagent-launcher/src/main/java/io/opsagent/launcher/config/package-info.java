/** The configuration file {@code /etc/opsagent.conf}: its keys, parsing and validation (internal to the launcher). */
package io.opsagent.launcher.config;
