/** Implementation details of the kit; not an API, may change in any release. */
package io.opsagent.backend.internal;
