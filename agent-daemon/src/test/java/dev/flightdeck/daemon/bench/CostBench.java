package dev.flightdeck.daemon.bench;

import dev.flightdeck.daemon.cost.CostDimension;
import dev.flightdeck.daemon.cost.CostFilter;
import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.cost.CostReport;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.engine.CostReports;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.store.BundleRepository;
import dev.flightdeck.daemon.store.CostRepository;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.ModelCallRows;
import dev.flightdeck.daemon.store.RunRepository;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Cost query benchmark (a harness, not a test): QueryCost over {@code -Dbench.costs.rows}
 * (default 1,000,000) model_calls rows spread evenly over 30 days, 8 models, 20 tenants and
 * 10,000 runs (each with its {@code runs} row, so TopRuns joins for real), grouped by day x model
 * over the whole 30 days (the dashboard's default view), through {@link CostReports} and the
 * in-memory {@link CostIndex} loaded from a real H2 file with the daemon's settings. Measures the
 * index's load time and heap too. The fixture is bulk-inserted outside the event path
 * ({@code -Dbench.costs.reuse=DIR} reuses the database a previous run left in DIR). Prints every
 * timed run and the median.
 *
 * <p>Run: {@code agent-daemon/bench.sh costs} (see docs/benchmarks.md).
 */
public final class CostBench {
    private static final String[][] MODELS = {{"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}, {"openai", "gpt-4.1"},
            {"openai", "o3"}, {"anthropic", "claude-sonnet-4"}, {"anthropic", "claude-3-5-haiku"},
            {"scripted", "demo-1"}, {"vllm", "llama-3"}};
    private static final Instant START = Instant.parse("2026-10-01T00:00:00Z");
    private static final Duration SPAN = Duration.ofDays(30);
    private static final int RUNS = 10_000;

    private CostBench() {
    }

    public static void main(String[] args) throws IOException {
        int rows = Integer.getInteger("bench.costs.rows", 1_000_000);
        int timed = Integer.getInteger("bench.costs.runs", 7);
        String reuse = System.getProperty("bench.costs.reuse");
        Path dir = reuse != null ? Path.of(reuse) : Files.createTempDirectory("flightdeck-cost-bench");
        System.out.printf("cost bench: %,d model_calls rows over %d days, data in %s%n", rows, SPAN.toDays(), dir);
        if (reuse == null) {
            try (Database db = Database.open(dir)) {
                long t0 = System.nanoTime();
                insertRuns(db);
                System.out.printf("inserted %,d runs rows in %.1f s%n", RUNS, (System.nanoTime() - t0) / 1e9);
                t0 = System.nanoTime();
                insert(db, rows);
                System.out.printf("inserted %,d rows in %.1f s (batches of 10,000)%n", rows,
                        (System.nanoTime() - t0) / 1e9);
            }
            compact(dir);
        }
        try (Database db = Database.open(dir)) {
            CostRepository costs = new CostRepository(db);
            long heapBefore = usedHeap();
            CostIndex index = new CostIndex();
            long t0 = System.nanoTime();
            index.load(costs::forEachCall);
            double loadMs = (System.nanoTime() - t0) / 1e6;
            long heap = usedHeap() - heapBefore;
            long calls = index.size(Duration.ZERO);
            System.out.printf("index load: %,d calls in %.0f ms; heap %.1f MB (%.0f bytes per call; columns %.1f MB)%n",
                    calls, loadMs, heap / 1e6, (double) heap / calls, index.columnBytes() / 1e6);
            CostReports reports = new CostReports(costs, index);
            List<CostDimension> dayByModel = List.of(CostDimension.DAY, CostDimension.MODEL);
            long first = System.nanoTime();
            reports.query(START, START.plus(SPAN), dayByModel, CostFilter.NONE, 0);
            System.out.printf("first (cold) QueryCost day x model, 30 days: %.0f ms%n", (System.nanoTime() - first) / 1e6);
            double[] ms = new double[timed];
            CostReport last = null;
            for (int i = 0; i < timed; i++) {
                long s = System.nanoTime();
                last = reports.query(START, START.plus(SPAN).plusMillis(i + 1), dayByModel, CostFilter.NONE, 0);
                ms[i] = (System.nanoTime() - s) / 1e6;
                System.out.printf("QueryCost day x model, 30 days: %.0f ms (%d groups, %,d calls)%n", ms[i],
                        last.groups().size(), last.total().calls());
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            System.out.printf("median %.0f ms, min %.0f ms, max %.0f ms over %d runs (goal < 500 ms)%n",
                    sorted[timed / 2], sorted[0], sorted[timed - 1], timed);
            long s = System.nanoTime();
            reports.query(START, START.plus(SPAN), List.of(CostDimension.DAY),
                    new CostFilter(List.of("tenant-7"), List.of(), List.of(), List.of(), List.of()), 0);
            System.out.printf("QueryCost by day for one tenant, 30 days: %.0f ms%n", (System.nanoTime() - s) / 1e6);
            s = System.nanoTime();
            reports.query(START.plus(Duration.ofDays(29)), START.plus(SPAN), List.of(CostDimension.HOUR,
                    CostDimension.TENANT, CostDimension.MODEL), CostFilter.NONE, 0);
            System.out.printf("QueryCost last day by hour x tenant x model: %.0f ms%n", (System.nanoTime() - s) / 1e6);
            for (int i = 0; i < 3; i++) {
                s = System.nanoTime();
                var top = reports.topRuns(START, START.plus(SPAN).plusMillis(i + 1), CostFilter.NONE, 20);
                System.out.printf("TopRuns (index ranks, rows of %,d runs), 30 days: %.0f ms (%d runs)%n", RUNS,
                        (System.nanoTime() - s) / 1e6, top.size());
            }
            s = System.nanoTime();
            reports.topRuns(START.plus(Duration.ofDays(29)), START.plus(SPAN), CostFilter.NONE, 20);
            System.out.printf("TopRuns, last day: %.0f ms%n", (System.nanoTime() - s) / 1e6);
            s = System.nanoTime();
            costs.spend("tenant-7", START.plus(Duration.ofDays(29)), START.plus(SPAN));
            System.out.printf("one tenant's spend for a day (the budget check): %.1f ms%n", (System.nanoTime() - s) / 1e6);
            // What the index itself keeps (the growth during the load also counts H2's page cache).
            long withIndex = usedHeap();
            reports = null;
            index = null;
            long retained = withIndex - usedHeap();
            System.out.printf("heap the index retains: %.1f MB (%.0f bytes per call)%n", retained / 1e6,
                    (double) retained / calls);
        }
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static String version(int run) {
        return String.valueOf(run % 3).repeat(64);
    }

    /** The runs rows TopRuns joins (and the bundle versions they reference). */
    private static void insertRuns(Database db) {
        BundleRepository bundles = new BundleRepository(db);
        for (int v = 0; v < 3; v++) {
            bundles.insertIfAbsent(version(v), "bundle", "bench", "name: bundle\n", "{}", START);
        }
        RunRepository runs = new RunRepository(db);
        for (int run = 0; run < RUNS; run++) {
            runs.insert(RunRecord.queued("run-" + run, "bundle-" + (run % 5), version(run), "tenant-" + (run % 20),
                    "in", "", START.plusSeconds(run)));
        }
    }

    /**
     * Rewrites the database file without the garbage the bulk load leaves (2 GB for 1,000,000
     * rows before, about 100 MB after): the daemon writes one call per transaction, and its file
     * is not shaped like a bulk load's.
     */
    private static void compact(Path dir) {
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.toAbsolutePath().resolve("flightdeck"),
                "sa", ""); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN COMPACT");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot compact the bench database", e);
        }
        System.out.printf("compacted in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static void insert(Database db, int rows) {
        Random random = new Random(42);
        long spanMs = SPAN.toMillis();
        List<ModelCall> batch = new ArrayList<>(10_000);
        for (int i = 0; i < rows; i++) {
            String[] m = MODELS[i % MODELS.length];
            int run = random.nextInt(10_000);
            long input = 200 + random.nextInt(4000);
            long output = 20 + random.nextInt(800);
            boolean priced = !"vllm".equals(m[0]);
            Usage usage = new Usage(input, random.nextInt(500), output, 0, priced ? input * 3 + output * 15 : 0, priced);
            batch.add(new ModelCall("run-" + run, i, "tenant-" + (run % 20), "bundle-" + (run % 5), version(run),
                    m[0], m[1], START.plusMillis((long) i * spanMs / rows), 50 + random.nextInt(5000), usage));
            if (batch.size() == 10_000) {
                ModelCallRows.insert(db, batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            ModelCallRows.insert(db, batch);
        }
    }
}
