/**
 * Benchmarks of an agent process against the reference backend (the {@code bench} command,
 * {@link io.opsagent.bench.cli.BenchCommand}); a tool, not an API, and may change in any release. See
 * {@code docs/benchmarks.md}.
 */
package io.opsagent.bench.wire;
