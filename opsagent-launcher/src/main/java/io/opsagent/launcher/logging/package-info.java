/** Log4j2 set up in code: the rolling agent.log and the console (internal to the launcher). */
package io.opsagent.launcher.logging;
