/**
 * Implementation detail (internal, no compatibility promise): the Salt executor's parts:
 * translation of each VisualOps module into Salt states, the generated SLS file, the salt-call
 * command line and the parsing of Salt's JSON result.
 */
package io.opsagent.fsm.internal.exec.salt;
