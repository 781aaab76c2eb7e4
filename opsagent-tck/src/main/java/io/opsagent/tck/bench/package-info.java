/**
 * The kit's benchmarks of an agent against the reference backend ({@code java -jar
 * opsagent-tck.jar bench}); a tool, not an API, and may change in any release. See
 * {@code docs/benchmarks.md}.
 */
package io.opsagent.tck.bench;
