/** The kit's command line ({@code java -jar opsagent-tck.jar}); internal, not an API. */
package io.opsagent.tck.cli;
