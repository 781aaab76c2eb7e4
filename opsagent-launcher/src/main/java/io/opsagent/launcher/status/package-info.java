/** The status file the running agent keeps, {@code /var/lib/visualops/status.json}, and its report (internal to the launcher). */
package io.opsagent.launcher.status;
