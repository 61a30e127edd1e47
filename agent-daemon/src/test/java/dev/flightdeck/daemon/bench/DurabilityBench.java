package dev.flightdeck.daemon.bench;

import dev.flightdeck.daemon.app.DaemonAssembly;
import dev.flightdeck.daemon.app.DaemonSettings;
import dev.flightdeck.daemon.bundle.BundleParser;
import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.bundle.BundleVersion;
import dev.flightdeck.daemon.engine.EventCodec;
import dev.flightdeck.daemon.engine.EventLog;
import dev.flightdeck.daemon.engine.EventPayload;
import dev.flightdeck.daemon.engine.RunFeed;
import dev.flightdeck.daemon.engine.RunScheduler;
import dev.flightdeck.daemon.engine.StartRunCommand;
import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ScriptedProvider;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.store.BundleRepository;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.tool.ToolRegistry;
import io.grpc.inprocess.InProcessServerBuilder;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Durability benchmarks (a harness, not a test): commit throughput and latency of
 * {@link EventLog#append} (one run; 100 concurrent runs), events committed per second by scripted
 * runs through the whole engine (one run; 100 concurrent runs), memory and threads of 10,000 runs waiting
 * for approval, the time to resume 1,000 interrupted runs, and the threads held by 1,000 runs
 * waiting for a model response. Scripted provider at zero latency (150 s for the last), real H2
 * files and write journal with the daemon's settings, in a temp directory.
 *
 * <p>Run: {@code agent-daemon/bench.sh} (see docs/benchmarks.md). Arguments: {@code all} (default)
 * or any of {@code commits engine waiting resume modelwait}.
 */
public final class DurabilityBench {
    private static final String ASK_BUNDLE = """
            name: bench-ask
            description: waits for approval at once
            system_prompt: Bench agent for {{tenant}}.
            tools:
              - name: lookup_order
                description: Look up an order
                implementation: builtin:lookup_order
                policy: ask
                parameters:
                  type: object
                  properties: {order_id: {type: string}}
                  required: [order_id]
            model:
              provider: scripted
              model: bench-1
              script:
                - tool_calls:
                    - {tool: lookup_order, arguments: {order_id: A-1001}}
                - text: done
            limits:
              max_steps: 5
            """;
    /** The answer bundle's script and limits (stepsBundle swaps them for a longer script). */
    private static final String ANSWER_SCRIPT = """
              script:
                - tool_calls:
                    - {tool: lookup_order, arguments: {order_id: A-1001}}
                - text: done
            limits:
              max_steps: 5
            """;
    private static final String ANSWER_BUNDLE = """
            name: bench-answer
            description: answers at once
            system_prompt: Bench agent for {{tenant}}.
            tools:
              - name: lookup_order
                description: Look up an order
                implementation: builtin:lookup_order
                policy: allow
                parameters:
                  type: object
                  properties: {order_id: {type: string}}
                  required: [order_id]
            model:
              provider: scripted
              model: bench-1
            """ + ANSWER_SCRIPT;
    private static final String RESULT = "{\"order_id\":\"A-1001\",\"status\":\"delivered\",\"amount\":89.99,"
            + "\"currency\":\"USD\",\"items\":[{\"name\":\"Wireless headphones\",\"quantity\":1,\"unit_price\":89.99}]}";

    private DurabilityBench() {
    }

    public static void main(String[] args) throws Exception {
        Set<String> which = Set.of(args.length == 0 ? new String[] {"all"} : args);
        boolean all = which.contains("all");
        System.out.printf("machine: %d cores, max heap %d MB, JDK %s (%s), %s %s%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                System.getProperty("os.name"), System.getProperty("os.version"));
        if (all || which.contains("commits")) {
            commits();
        }
        if (all || which.contains("engine")) {
            engine(Integer.getInteger("bench.engine.runs", 100), Integer.getInteger("bench.engine.steps", 20));
        }
        if (all || which.contains("waiting")) {
            waiting(Integer.getInteger("bench.waiting.runs", 10_000));
        }
        if (all || which.contains("resume")) {
            resume(Integer.getInteger("bench.resume.runs", 1_000));
        }
        if (all || which.contains("modelwait")) {
            modelWait(Integer.getInteger("bench.modelwait.runs", 1_000),
                    Long.getLong("bench.modelwait.latency.ms", 150_000));
        }
    }

    /** The store half of the daemon's wiring, for driving EventLog directly. */
    private record Store(Database db, RunRepository runs, EventLog log, BundleVersion bundle) implements AutoCloseable {
        static Store open(Path dir, String bundleYaml) {
            Database db = Database.open(dir.resolve("db"));
            BundleRegistry bundles = new BundleRegistry(new BundleParser(Set.of(ScriptedProvider.NAME),
                    ToolRegistry.builtins().implementations()), new BundleRepository(db), Clock.systemUTC());
            var pushed = bundles.push(bundleYaml);
            EventLog log = new EventLog(new RunEventRepository(db), new EventCodec(), new RunFeed(), Clock.systemUTC());
            return new Store(db, new RunRepository(db), log, bundles.get(pushed.name(), pushed.versionId()));
        }

        RunRecord newRun(String id) {
            RunRecord run = RunRecord.queued(id, bundle.name(), bundle.versionId(), "tenant-" + (id.hashCode() & 3),
                    "bench input " + id, "", Instant.now());
            runs.insert(run);
            return log.append(run, 0, new EventPayload.RunStarted(run.bundleName(), run.bundleVersion(), run.tenant(),
                    run.input())).run();
        }

        @Override
        public void close() {
            db.close();
        }
    }

    // ---------------------------------------------------------------- commits

    /**
     * Appends before the measured ones, not measured: until the JIT has compiled the commit path
     * (H2's, Jackson's and ours) a commit costs several times its steady-state CPU, and a daemon
     * that runs for hours is in the steady state. 3,000 (the count until 2026-11-21 23:00 UTC) left
     * the compiler busy through the measured appends; the report prints the JIT time spent while
     * measuring, so a reader sees whether this was enough.
     */
    /** Numbers the benchmark's runs, so a repeated round never reuses a run's name. */
    private static final AtomicInteger ROUNDS = new AtomicInteger();
    private static final int COMMITS_WARM_UP = Integer.getInteger("bench.commits.warmup", 20_000);

    private static void commits() throws Exception {
        Path dir = Files.createTempDirectory("fd-bench-commits");
        try (Store store = Store.open(dir, ANSWER_BUNDLE)) {
            appendMany(store, store.newRun("warm"), COMMITS_WARM_UP, new long[COMMITS_WARM_UP]);

            int n = Integer.getInteger("bench.commits.single", 10_000);
            long[] lat = new long[n];
            Measure m = Measure.start(store.db());
            appendMany(store, store.newRun("single"), n, lat);
            m.report("1 run", n, lat);

            int runs = 100;
            int perRun = Integer.getInteger("bench.commits.per-run", 200);
            // The daemon's shape: 100 runs in progress, their steps executed by the worker pool
            // (one worker per core since ADR 0020).
            int workers = RunScheduler.DEFAULT_STEP_THREADS;
            // Each concurrent shape runs once unmeasured first: group commits of many writers take
            // code paths (savepoints, larger groups) the single-run warm-up never compiled. The
            // daemon's shape is repeated until the JIT has settled (a round with under 2% of its
            // wall time compiling; at most 20): with one round, the JIT compiled for 3-4 s of
            // the 3.5 s measured next, on the same two cores (2026-11-22).
            for (int round = 1; round <= 20; round++) {
                long t0 = System.nanoTime();
                long jit0 = jitMillis();
                concurrentCommits(store, runs, perRun, workers, 0, null);
                long wallMs = (System.nanoTime() - t0) / 1_000_000;
                long jitMs = jitMillis() - jit0;
                System.out.printf("commits, warm-up round %d of 100 runs on %d threads: JIT compiling %d ms of %d ms%n",
                        round, workers, jitMs, wallMs);
                if (jitMs < 0.02 * wallMs) {
                    break;
                }
            }
            concurrentCommits(store, runs, perRun, workers, 0, "100 concurrent runs on " + workers + " worker threads");
            // The goal's question: commit latency while 5,000 events/s are offered (not at saturation,
            // where latency is queueing for the cores). Each append is timed from when it was due,
            // so falling behind the offered rate shows as latency instead of hiding it.
            int offered = Integer.getInteger("bench.commits.offered", 5_000);
            concurrentCommits(store, runs, perRun, workers, offered,
                    "100 concurrent runs on " + workers + " worker threads, " + offered + " events/s offered");
            // The worker pool before ADR 0020 (max(8, 2 x cores): workers executed tools too), for
            // comparison in the same run: threads appending flat out beyond the cores mostly wait for one.
            int before = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
            concurrentCommits(store, runs, perRun, before, 0, null);
            concurrentCommits(store, runs, perRun, before, 0, "100 concurrent runs on " + before
                    + " threads (the worker pool before ADR 0020)");
            // A stress shape the daemon never has: a thread per run, 100 threads on the cores.
            concurrentCommits(store, runs, perRun, runs, 0, null);
            concurrentCommits(store, runs, perRun, runs, 0, "100 concurrent runs (100 threads)");
        } finally {
            deleteQuietly(dir);
        }
    }

    /**
     * {@code runs} runs appending {@code perRun} events each at once, from {@code threads} threads:
     * each thread takes its share of the runs in turn, one event per run per turn. With
     * {@code offeredPerSecond} > 0 the threads together offer that many appends a second, evenly
     * spaced, and each append's latency counts from when it was due; 0 appends as fast as possible.
     * A null {@code what} is a warm-up round: not reported.
     */
    private static void concurrentCommits(Store store, int runs, int perRun, int threads, int offeredPerSecond,
                                          String what) throws Exception {
        List<RunRecord> rows = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            rows.add(store.newRun("conc-" + threads + "-" + offeredPerSecond + "-" + (what == null ? "warm-" : "")
                    + ROUNDS.incrementAndGet()));
        }
        long[][] lats = new long[threads][];
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<RunRecord> mine = new ArrayList<>();
            for (int i = t; i < runs; i += threads) {
                mine.add(rows.get(i));
            }
            long[] lat = new long[mine.size() * perRun];
            lats[t] = lat;
            // Each thread's appends are this far apart when a rate is offered; threads start staggered.
            long gapNanos = offeredPerSecond > 0 ? TimeUnit.SECONDS.toNanos(threads) / offeredPerSecond : 0;
            long offset = gapNanos * t / threads;
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                    long start = System.nanoTime() + offset;
                    int k = 0;
                    for (int e = 0; e < perRun; e++) {
                        for (int r = 0; r < mine.size(); r++) {
                            long due = gapNanos == 0 ? System.nanoTime() : start + k * gapNanos;
                            for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                                LockSupport.parkNanos(wait);
                            }
                            mine.set(r, appendOne(store, mine.get(r)));
                            lat[k++] = System.nanoTime() - due;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            thread.start();
            started.add(thread);
        }
        Measure m = Measure.start(store.db());
        go.countDown();
        for (Thread t : started) {
            t.join();
        }
        if (what != null) {
            m.report(what, runs * perRun, Arrays.stream(lats).flatMapToLong(Arrays::stream).toArray());
        }
    }

    /** Wall time, process CPU, JIT time and checkpoints from {@link #start} until {@link #report}. */
    private record Measure(Database db, long t0, long cpu0, long jit0) {
        static Measure start(Database db) {
            db.takeCheckpointStats();
            return new Measure(db, System.nanoTime(), processCpuNanos(), jitMillis());
        }

        void report(String what, int n, long[] latNanos) {
            double secs = (System.nanoTime() - t0) / 1e9;
            DurabilityBench.report(what, n, secs, latNanos, processCpuNanos() - cpu0, jitMillis() - jit0,
                    db.takeCheckpointStats());
        }
    }

    private static long jitMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    private static RunRecord appendMany(Store store, RunRecord run, int n, long[] latNanos) {
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            run = appendOne(store, run);
            latNanos[i] = System.nanoTime() - s;
        }
        return run;
    }

    private static RunRecord appendOne(Store store, RunRecord run) {
        return store.log().append(run, 1, new EventPayload.ToolCallFinished("call_1_1", "lookup_order", RESULT,
                false, 0)).run();
    }

    /**
     * Besides wall-clock figures (which a loaded machine distorts), the process CPU time spent:
     * events per CPU-second is what the writer path costs, independent of other load.
     */
    private static void report(String what, int n, double secs, long[] latNanos, long cpuNanos, long jitMs,
                               Database.CheckpointStats checkpoints) {
        long[] sorted = latNanos.clone();
        Arrays.sort(sorted);
        System.out.printf("commits, %s: %d events in %.2f s = %.0f events/s; commit latency p50 %.2f ms, p99 %.2f ms, "
                        + "max %.2f ms (goal >= 5000 events/s, p99 < 5 ms); process CPU %.2f s = %.0f events per CPU-second"
                        + "; JIT compiling meanwhile %d ms%n",
                what, n, secs, n / secs, pct(sorted, 50), pct(sorted, 99), sorted[sorted.length - 1] / 1e6,
                cpuNanos / 1e9, n / (cpuNanos / 1e9), jitMs);
        System.out.printf("commits, %s: %d checkpoints (every %d ms or %d transactions), each holding the write lock"
                        + " %.2f ms on average, at most %.2f ms%n", what, checkpoints.count(),
                Long.getLong("flightdeck.db.checkpoint.ms", 250), Long.getLong("flightdeck.db.checkpoint.txs", 2_000),
                checkpoints.count() == 0 ? 0 : checkpoints.totalMs() / checkpoints.count(), checkpoints.maxMs());
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    // ---------------------------------------------------------------- engine

    /**
     * Events committed per second by real runs through the engine (scheduler, agent loop, event
     * log, store), the figure a user feels: a scripted model at zero latency asks for one
     * {@code lookup_order} call per step, with different arguments each step (so no loop
     * guardrail), then answers. Each tool step commits model_requested, model_responded,
     * tool_call_proposed, tool_call_started and tool_call_finished. "1 run": {@code runs} runs of
     * {@code steps} steps one after another (each started when the previous one finished); then
     * the same number started at once, limits high enough for all of them to be in progress.
     * Timed from the first StartRun until every run is terminal; events counted from the runs'
     * last sequences. (Not one long run: the scripted provider re-reads its whole script on every
     * call, which would dominate a run of hundreds of steps.)
     */
    private static void engine(int runs, int steps) throws Exception {
        Path dir = Files.createTempDirectory("fd-bench-engine");
        DaemonAssembly daemon = new DaemonAssembly(DaemonSettings.defaults(dir, "t", "bench").withRunWorkers(runs + 1)
                .withMaxRunsPerTenant(runs + 1), InProcessServerBuilder.forName("engine-" + System.nanoTime()),
                Clock.systemUTC()).start();
        try {
            daemon.bundles().push(stepsBundle("bench-steps", steps));
            Map<String, CompletableFuture<RunRecord>> finished = new ConcurrentHashMap<>();
            daemon.runs().feed().onRuns(r -> {
                if (r.status().isTerminal()) {
                    finished.computeIfAbsent(r.runId(), k -> new CompletableFuture<>()).complete(r);
                }
            });
            String oneRun = "1 run at a time (" + runs + " runs of " + steps + " steps)";
            String concurrent = runs + " concurrent runs of " + steps + " steps";
            // The first runs of a fresh daemon, JIT and H2 caches cold: what the first minute feels like.
            engineRound(daemon, finished, "cold, " + concurrent, runs, true, daemon.database()).print();
            // Warm-up until the JIT has settled: at least bench.engine.warmup runs, then rounds of
            // concurrent runs until one spends under 2% of its wall time compiling (at most 20
            // rounds). With a fixed 200 runs the JIT was still compiling through the measured
            // runs: 1-5 s per phase on this machine, most of the run-to-run spread (ADR 0016).
            engineRound(daemon, finished, "warm-up", Integer.getInteger("bench.engine.warmup", 200), true, null);
            String warmth = "the JIT still compiling after 20 warm-up rounds";
            for (int i = 1; i <= 20; i++) {
                EngineRound r = engineRound(daemon, finished, "warm-up round " + i, runs, true, null);
                System.out.printf("engine, warm-up round %d: %.0f events/s, JIT compiling %d ms of %.0f ms%n", i,
                        r.eventsPerSecond(), r.jitMs(), r.secs() * 1000);
                if (r.jitMs() < 0.02 * r.secs() * 1000) {
                    warmth = "after the JIT settled";
                    break;
                }
            }
            // Measured rounds, the two shapes interleaved so drift touches both alike.
            int rounds = Integer.getInteger("bench.engine.rounds", 5);
            List<EngineRound> one = new ArrayList<>();
            List<EngineRound> many = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                one.add(engineRound(daemon, finished, oneRun, runs, false, daemon.database()));
                one.get(i).print();
                many.add(engineRound(daemon, finished, concurrent, runs, true, daemon.database()));
                many.get(i).print();
            }
            EngineRound.summary(oneRun + ", " + rounds + " rounds " + warmth, one);
            EngineRound.summary(concurrent + ", " + rounds + " rounds " + warmth, many);
        } finally {
            daemon.close();
            deleteQuietly(dir);
        }
    }

    /** One round of the engine benchmark: throughput, CPU, JIT time and write-transaction latency. */
    private record EngineRound(String what, long events, double secs, long cpuNanos, long jitMs, long[] commitNanos) {
        double eventsPerSecond() {
            return events / secs;
        }

        void print() {
            System.out.printf("engine, %s: %d events in %.2f s = %.0f events/s (goal >= 5000 events/s); process CPU"
                    + " %.2f s = %.0f events per CPU-second; JIT compiling meanwhile %d ms%n", what, events, secs,
                    eventsPerSecond(), cpuNanos / 1e9, events / (cpuNanos / 1e9), jitMs);
            System.out.printf("engine, %s: %d write transactions (%.2f events each), latency from asking to commit"
                    + " p50 %.2f ms, p99 %.2f ms, max %.2f ms (goal p99 < 5 ms)%n", what, commitNanos.length,
                    (double) events / commitNanos.length, pct(commitNanos, 50), pct(commitNanos, 99),
                    commitNanos[commitNanos.length - 1] / 1e6);
        }

        /** Median and range over the rounds; the p99 over all their write transactions together. */
        static void summary(String what, List<EngineRound> rounds) {
            double[] rates = rounds.stream().mapToDouble(EngineRound::eventsPerSecond).sorted().toArray();
            long[] all = rounds.stream().flatMapToLong(r -> Arrays.stream(r.commitNanos())).sorted().toArray();
            System.out.printf("engine, %s: median %.0f events/s (%.0f-%.0f);"
                    + " write transactions p50 %.2f ms, p99 %.2f ms (goal >= 5000 events/s, p99 < 5 ms)%n", what,
                    rates[rates.length / 2], rates[0], rates[rates.length - 1], pct(all, 50), pct(all, 99));
        }
    }

    private static EngineRound engineRound(DaemonAssembly daemon, Map<String, CompletableFuture<RunRecord>> finished,
                                           String what, int runs, boolean atOnce, Database report) throws Exception {
        // Every write transaction's latency, on the committing (worker) thread: the commit latency
        // runs see, with the daemon's own worker count rather than a thread per run.
        long[] commitNanos = new long[runs * 200];
        AtomicInteger commits = new AtomicInteger();
        if (report != null) {
            report.observeCommitLatency(nanos -> {
                int i = commits.getAndIncrement();
                if (i < commitNanos.length) {
                    commitNanos[i] = nanos;
                }
            });
        }
        long cpu0 = processCpuNanos();
        long jit0 = jitMillis();
        long t0 = System.nanoTime();
        List<CompletableFuture<RunRecord>> ends = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String id = daemon.runs().start(new StartRunCommand("bench-steps", what + " " + i, "tenant-" + (i % 10), ""))
                    .run().runId();
            CompletableFuture<RunRecord> end = finished.computeIfAbsent(id, k -> new CompletableFuture<>());
            ends.add(end);
            if (!atOnce) {
                end.get(5, TimeUnit.MINUTES);
            }
        }
        long events = 0;
        for (CompletableFuture<RunRecord> end : ends) {
            RunRecord run = end.get(20, TimeUnit.MINUTES);
            if (run.status() != RunStatus.SUCCEEDED) {
                throw new IllegalStateException("bench run " + run.runId() + " ended " + run.status() + ": "
                        + run.statusMessage());
            }
            events += run.lastSequence();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long cpu = processCpuNanos() - cpu0;
        if (report != null) {
            report.observeCommitLatency(null);
        }
        long[] sorted = Arrays.copyOf(commitNanos, Math.max(1, Math.min(commits.get(), commitNanos.length)));
        Arrays.sort(sorted);
        return new EngineRound(what, events, secs, cpu, jitMillis() - jit0, sorted);
    }

    /** The answer bundle, made to call lookup_order once per step, {@code steps} times, before it answers. */
    private static String stepsBundle(String name, int steps) {
        StringBuilder script = new StringBuilder("  script:\n");
        for (int i = 0; i < steps; i++) {
            script.append("    - tool_calls: [{tool: lookup_order, arguments: {order_id: A-").append(1000 + i).append("}}]\n");
        }
        if (!ANSWER_BUNDLE.contains(ANSWER_SCRIPT)) {
            throw new IllegalStateException("the answer bundle's script changed: update stepsBundle");
        }
        return ANSWER_BUNDLE.replace("name: bench-answer", "name: " + name)
                .replace(ANSWER_SCRIPT, script + "    - text: done\nlimits:\n  max_steps: " + (steps + 2) + "\n");
    }

    // ---------------------------------------------------------------- waiting

    private static void waiting(int n) throws Exception {
        Path dir = Files.createTempDirectory("fd-bench-waiting");
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        String name = "bench-" + System.nanoTime();
        DaemonAssembly daemon = new DaemonAssembly(DaemonSettings.defaults(dir, "t", "bench"),
                InProcessServerBuilder.forName(name), Clock.systemUTC()).start();
        try {
            daemon.bundles().push(ASK_BUNDLE);
            // Warm the engine before the baseline: one run through to the gate.
            AtomicInteger waitingCount = new AtomicInteger();
            daemon.runs().feed().onRuns(r -> {
                if (r.status() == RunStatus.WAITING_APPROVAL) {
                    waitingCount.incrementAndGet();
                }
            });
            daemon.runs().start(new StartRunCommand("bench-ask", "warm", "t0", ""));
            await("the warm-up run to wait", Duration.ofSeconds(60), () -> waitingCount.get() >= 1);
            gc();
            long heap0 = mem.getHeapMemoryUsage().getUsed();
            int threads0 = Thread.activeCount();

            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                daemon.runs().start(new StartRunCommand("bench-ask", "waiting run " + i, "tenant-" + (i % 10), ""));
            }
            await(n + " runs waiting for approval", Duration.ofMinutes(20), () -> waitingCount.get() >= n + 1);
            double secs = (System.nanoTime() - t0) / 1e9;
            gc();
            long heap1 = mem.getHeapMemoryUsage().getUsed();
            int threads1 = Thread.activeCount();
            System.out.printf("waiting: %d runs reached WAITING_APPROVAL in %.1f s (%d events, %.0f events/s end to end)%n",
                    n, secs, n * 5L, n * 5 / secs);
            System.out.printf("waiting: heap used after GC %d MB with %d runs waiting (baseline %d MB, +%d MB) "
                            + "(goal < 256 MB); live threads %d (baseline %d) (goal: none per run)%n",
                    heap1 >> 20, n, heap0 >> 20, (heap1 - heap0) >> 20, threads1, threads0);
        } finally {
            daemon.close();
            deleteQuietly(dir);
        }
    }

    // ---------------------------------------------------------------- resume

    private static void resume(int n) throws Exception {
        Path dir = Files.createTempDirectory("fd-bench-resume");
        try {
            // A daemon that "died" with n runs RUNNING, each with a model request committed and no answer.
            List<String> ids = new ArrayList<>();
            try (Store store = Store.open(dir, ANSWER_BUNDLE)) {
                for (int i = 0; i < n; i++) {
                    RunRecord run = store.newRun("resume-" + i);
                    store.log().append(run, 1, new EventPayload.ModelRequested(ScriptedProvider.NAME, "bench-1",
                            List.of(ChatMessage.system("Bench agent for " + run.tenant() + "."),
                                    ChatMessage.user(run.input())), 2, List.of("lookup_order")));
                    ids.add(run.runId());
                }
            }
            Set<String> finished = ConcurrentHashMap.newKeySet();
            Set<String> resumed = ConcurrentHashMap.newKeySet();
            long[] resumedAt = new long[3];
            long t0 = System.nanoTime();
            // Limits high enough for every interrupted run to be in progress at once, so the figure
            // is the daemon's resume path, not the default limit of 4 runs at a time.
            DaemonAssembly daemon = new DaemonAssembly(DaemonSettings.defaults(dir, "t", "bench")
                    .withRunWorkers(n + 1).withMaxRunsPerTenant(n + 1),
                    InProcessServerBuilder.forName("resume-" + System.nanoTime()), Clock.systemUTC());
            try {
                daemon.start();
                long started = System.nanoTime();
                // A run has resumed when it commits its first new event (it had 2: created, model_requested):
                // its committed request, issued again, answered and that answer committed. The
                // scripted model answers at once, so this is within one commit of the re-issue.
                for (String id : ids) {
                    daemon.runs().feed().onEvents(id, e -> markResumed(resumed, id, n, resumedAt));
                }
                daemon.runs().feed().onRuns(r -> {
                    if (r.status().isTerminal()) {
                        finished.add(r.runId());
                    }
                });
                // Runs that moved on before the listeners were registered.
                for (String id : ids) {
                    var run = daemon.runs().get(id);
                    if (run.lastSequence() > 2) {
                        markResumed(resumed, id, n, resumedAt);
                    }
                    if (run.status().isTerminal()) {
                        finished.add(id);
                    }
                }
                await("all " + n + " resumed runs to finish", Duration.ofMinutes(10), () -> finished.size() >= n);
                double total = (System.nanoTime() - t0) / 1e9;
                System.out.printf("resume: daemon start (open, replay, migrate, serve) %.2f s; start to half of %d interrupted "
                                + "runs resumed %.2f s, 90%% %.2f s, all %.2f s (goal < 5 s); to all finished %.2f s%n",
                        (started - t0) / 1e9, n, (resumedAt[0] - t0) / 1e9, (resumedAt[1] - t0) / 1e9,
                        (resumedAt[2] - t0) / 1e9, total);
            } finally {
                daemon.close();
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    // ---------------------------------------------------------------- modelwait

    /**
     * Threads held by {@code n} runs waiting for a model response: a scripted turn of
     * {@code latencyMs}, limits high enough for all of them to be in progress at once.
     */
    private static void modelWait(int n, long latencyMs) throws Exception {
        Path dir = Files.createTempDirectory("fd-bench-modelwait");
        String slowBundle = """
                name: bench-slow-model
                description: one answer after a long think
                system_prompt: Bench agent for {{tenant}}.
                model:
                  provider: scripted
                  model: bench-1
                  script:
                    - {text: done, latency_ms: %d}
                limits:
                  max_steps: 2
                """.formatted(latencyMs);
        String quickBundle = slowBundle.replace("bench-slow-model", "bench-quick-model")
                .replace("latency_ms: " + latencyMs, "latency_ms: 0");
        DaemonSettings settings = DaemonSettings.defaults(dir, "t", "bench").withRunWorkers(n + 1)
                .withMaxRunsPerTenant(n + 1);
        DaemonAssembly daemon = new DaemonAssembly(settings, InProcessServerBuilder.forName("modelwait-" + System.nanoTime()),
                Clock.systemUTC()).start();
        try {
            daemon.bundles().push(slowBundle);
            daemon.bundles().push(quickBundle);
            Set<String> requested = ConcurrentHashMap.newKeySet();
            Set<String> finished = ConcurrentHashMap.newKeySet();
            daemon.runs().feed().onRuns(r -> {
                if (r.lastSequence() >= 2) { // run_started, model_requested
                    requested.add(r.runId());
                }
                if (r.status().isTerminal()) {
                    finished.add(r.runId());
                }
            });
            // Warm the engine before the baseline: one run through a model call.
            String warm = daemon.runs().start(new StartRunCommand("bench-quick-model", "warm", "t0", "")).run().runId();
            await("the warm-up run to finish", Duration.ofSeconds(60), () -> finished.contains(warm));
            gc();
            int threads0 = Thread.activeCount();

            long t0 = System.nanoTime();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(daemon.runs().start(new StartRunCommand("bench-slow-model", "model wait " + i,
                        "tenant-" + (i % 10), "")).run().runId());
            }
            double storedSecs = (System.nanoTime() - t0) / 1e9;
            await(n + " model requests committed", Duration.ofMillis(latencyMs), () -> requested.containsAll(ids));
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("modelwait: %d StartRun stored in %.1f s; all %d model requests committed %.1f s after"
                    + " the first start%n", n, storedSecs, n, secs);
            // Each worker starts its call right after committing the request; let the last ones go.
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            int threads1 = Thread.activeCount();
            long workers1 = threadsNamed("run-worker");
            boolean allWaiting1 = ids.stream().noneMatch(finished::contains);
            System.out.printf("modelwait: %d runs with a %d ms model call in flight"
                            + " (%s); live threads %d (baseline %d, +%d, of which %d idle run-worker threads)%n",
                    n, latencyMs, allWaiting1 ? "none answered yet" : "SOME ALREADY ANSWERED", threads1, threads0,
                    threads1 - threads0, workers1);
            // Idle workers end after 30 s: what the waiting runs themselves hold.
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(35));
            int threads2 = Thread.activeCount();
            boolean allWaiting2 = ids.stream().noneMatch(finished::contains);
            System.out.printf("modelwait: 35 s later, %s: live threads %d (baseline %d, +%d, %d run-worker threads)"
                            + " (goal: none per run)%n", allWaiting2 ? "all still waiting" : "SOME ALREADY ANSWERED",
                    threads2, threads0, threads2 - threads0, threadsNamed("run-worker"));
            await("all " + n + " runs to finish", Duration.ofMillis(latencyMs + 120_000),
                    () -> finished.containsAll(ids));
            System.out.printf("modelwait: all %d answered and finished %.1f s after the first start%n", n,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            daemon.close();
            deleteQuietly(dir);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Records when half, 90 % and all of the {@code n} runs had resumed ({@code resumedAt[0..2]}). */
    private static void markResumed(Set<String> resumed, String id, int n, long[] resumedAt) {
        if (resumed.add(id)) {
            int k = resumed.size();
            long now = System.nanoTime();
            if (k == (n + 1) / 2) {
                resumedAt[0] = now;
            }
            if (k == (n * 9 + 9) / 10) {
                resumedAt[1] = now;
            }
            if (k == n) {
                resumedAt[2] = now;
            }
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    private static void gc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
