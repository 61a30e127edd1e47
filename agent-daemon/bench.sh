#!/usr/bin/env bash
# Durability benchmarks (docs/benchmarks.md): builds the test classes, then runs
# dev.flightdeck.daemon.bench.DurabilityBench with the test class path.
# Usage: agent-daemon/bench.sh [all|commits|waiting|resume|modelwait]...   (extra JVM options: BENCH_JAVA_OPTS)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl agent-daemon -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="agent-daemon/target/test-classes:agent-daemon/target/classes:proto/target/classes:$(cat agent-daemon/target/bench.classpath)"
LOGS="$(mktemp -d)"
exec java ${BENCH_JAVA_OPTS:-} -Dflightdeck.log.dir="$LOGS" -cp "$CP" dev.flightdeck.daemon.bench.DurabilityBench "$@"
