/** The command line: commands, options and the usage text (internal to the launcher). */
package io.opsagent.launcher.cli;
