/** The host: its directories and their modes, the token file, the single-instance lock (internal to the launcher). */
package io.opsagent.launcher.host;
