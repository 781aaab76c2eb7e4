/** The command line: its picocli model, the parser into commands, and usage errors (internal to the launcher). */
package io.opsagent.launcher.cli;
