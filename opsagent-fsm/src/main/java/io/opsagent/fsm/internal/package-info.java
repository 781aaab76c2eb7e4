/** Implementation detail of the library (not an API): may change in any release. */
package io.opsagent.fsm.internal;
