#!/bin/sh
# scripts/bench.sh: runs the benchmarks of docs/benchmarks.md and keeps their output.
#
#   scripts/bench.sh [e2e|footprint|scale|jmh|all]...     (default: all; about 30 minutes)
#
# Builds everything, unpacks the release tarball into target/bench/dist (so bin/opsagent runs
# as installed, with its JVM options and its class data sharing archive), then writes each
# benchmark's output to target/bench/<name>.txt. BENCH_NICE=-19 runs the benchmarks at that
# niceness (needs root), to keep other work on a shared machine from dominating the tails.
set -eu
cd "$(dirname "$0")/.."

out=target/bench
mkdir -p "$out"
# Runs a command, at BENCH_NICE when it is set.
run() {
    if [ -n "${BENCH_NICE:-}" ]; then
        nice -n "$BENCH_NICE" "$@"
    else
        "$@"
    fi
}
[ $# -gt 0 ] || set -- all
for what in "$@"; do
    case $what in
        e2e|footprint|scale|jmh|all) ;;
        *) echo "scripts/bench.sh: unknown benchmark '$what' (e2e, footprint, scale, jmh or all)" >&2; exit 1 ;;
    esac
done

./mvnw -q -B install -DskipTests
version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)
rm -rf "$out/dist"
mkdir -p "$out/dist"
tar xzf "opsagent-launcher/target/opsagent-$version.tgz" -C "$out/dist"

bench=opsagent-bench/target/benchmarks.jar
benchcmd=io.opsagent.bench.cli.BenchCommand
daemon="$out/dist/bin/opsagent run --config {config} --root {root}"

machine() {
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
        "$(java -version 2>&1 | head -1)"
}

for what in "$@"; do
    case $what in
        e2e|all)
            # The first run of a release writes its class archive when it stops; start once so
            # the measured runs use it, as every start after the first does.
            java -cp "$bench" "$benchcmd" footprint --runs 1 --idle 0s --agent-command "$daemon" >/dev/null
            { machine; run java -cp "$bench" "$benchcmd" --agent-command "$daemon"; } | tee "$out/e2e-bin-opsagent.txt"
            { machine; run java -cp "$bench" "$benchcmd" --pause 0s --agent-command "$daemon"; } \
                | tee "$out/e2e-bin-opsagent-pause0.txt"
            { machine; run java -cp "$bench" "$benchcmd" --agent-command \
                "java -jar opsagent-launcher/target/opsagent.jar run --config {config} --root {root}"; } \
                | tee "$out/e2e-java-jar.txt"
            { machine; run java -cp "$bench" io.opsagent.bench.InProcessEndToEnd; } \
                | tee "$out/e2e-in-process.txt"
            { machine; run java -XX:TieredStopAtLevel=1 \
                -XX:CompileCommandFile=opsagent-launcher/src/dist/lib/compile-commands \
                -cp "$bench" io.opsagent.bench.ColdDispatch; } | tee "$out/cold-dispatch.txt"
            ;;
    esac
    case $what in
        footprint|all)
            { machine; run java -cp "$bench" "$benchcmd" footprint --runs 5 --idle 60s --agent-command "$daemon"; } \
                | tee "$out/footprint.txt"
            ;;
    esac
    case $what in
        scale|all)
            { machine; run java -Xmx256m -cp "$bench" \
                io.opsagent.bench.ScaleBench --agents 1000; } | tee "$out/scale.txt"
            { machine; run java -Xmx256m -cp "$bench" \
                io.opsagent.bench.ScaleBench --agents 1000 --shared-loops 4; } | tee "$out/scale-shared-loops.txt"
            ;;
    esac
    case $what in
        jmh|all)
            { machine; run java -jar "$bench" RoundMachine -prof gc; } \
                | tee "$out/jmh-round-machine.txt"
            ;;
    esac
done
echo "results in $out/"
