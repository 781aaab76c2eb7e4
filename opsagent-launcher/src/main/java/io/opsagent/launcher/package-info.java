/** The thin launcher: command line, configuration, host layout (application, not an API). */
package io.opsagent.launcher;
