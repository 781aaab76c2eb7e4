/** The conformance test kit: reference backend, abstract conformance tests (public API). */
package io.opsagent.tck;
