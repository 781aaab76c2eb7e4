/** The launcher's side of the seam: builds the library's agent from the launcher's configuration. */
package io.opsagent.launcher.runtime;
