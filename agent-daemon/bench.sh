#!/usr/bin/env bash
# Benchmarks (docs/benchmarks.md): builds the test classes, then runs
# dev.flightdeck.daemon.bench.DurabilityBench, or with "costs" dev.flightdeck.daemon.bench.CostBench,
# with the test class path.
# Usage: agent-daemon/bench.sh [all|commits|waiting|resume|modelwait]...   (extra JVM options: BENCH_JAVA_OPTS)
#        agent-daemon/bench.sh costs    (sizes: -Dbench.costs.rows=1000000 -Dbench.costs.runs=7)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl agent-daemon -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="agent-daemon/target/test-classes:agent-daemon/target/classes:proto/target/classes:$(cat agent-daemon/target/bench.classpath)"
LOGS="$(mktemp -d)"
MAIN=dev.flightdeck.daemon.bench.DurabilityBench
if [[ "${1:-}" == "costs" ]]; then
    MAIN=dev.flightdeck.daemon.bench.CostBench
    shift
fi
exec java ${BENCH_JAVA_OPTS:-} -Dflightdeck.log.dir="$LOGS" -cp "$CP" "$MAIN" "$@"
