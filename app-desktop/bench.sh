#!/usr/bin/env bash
# Costs dashboard benchmark (docs/benchmarks.md): builds the test classes, then runs
# dev.flightdeck.console.view.CostsDashboardBench with the test class path.
# Headless (Monocle, software rendering) by default; with DISPLAY set (e.g. under xvfb-run) and
# BENCH_GLASS=gtk it uses a real window. Extra JVM options: BENCH_JAVA_OPTS
# (-Dbench.days=400 -Dbench.models=25 -Dbench.rounds=20). The first (cold) refresh of the JVM is
# reported on its own line; -Dflightdeck.console.costsWarmUp=false measures it without the Costs
# screen's background chart warm-up. BENCH_JIT=tiered: without the console's C1-only JIT setting.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B ${BENCH_MAVEN_OPTS:-} -pl app-desktop -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="app-desktop/target/test-classes:app-desktop/target/classes:proto/target/classes:$(cat app-desktop/target/bench.classpath)"
if [ "${BENCH_GLASS:-monocle}" = gtk ]; then
  GLASS=(-Dglass.platform=gtk -Dprism.order=sw)
else
  GLASS=(-Dglass.platform=Monocle -Dmonocle.platform=Headless -Dprism.order=sw -Djava.awt.headless=true
         -Dheadless.geometry=1400x900-32)
fi
# The JIT setting the console's launchers use (ADR 0019); BENCH_JIT=tiered measures without it.
if [ "${BENCH_JIT:-c1}" = tiered ]; then JIT=(); else JIT=(-XX:TieredStopAtLevel=1); fi
exec java "${JIT[@]}" ${BENCH_JAVA_OPTS:-} "${GLASS[@]}" -cp "$CP" 'dev.flightdeck.console.view.CostsDashboardBench$Main'
