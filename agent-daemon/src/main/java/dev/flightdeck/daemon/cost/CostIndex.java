package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.error.UnavailableException;
import dev.flightdeck.daemon.model.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Every committed model call in memory, column by column, so that {@link #query} answers QueryCost
 * in one pass over the calls of its range instead of an SQL aggregate that H2 evaluates row by row
 * (20.8 s for 1,000,000 calls; ADR 0014). Exact: sums, distinct runs and nearest-rank percentiles
 * are computed from every call, as the contract says.
 *
 * <p>Layout: dimensions are dictionary-encoded (tenant, bundle name + version, provider + model,
 * run id each become an int); each call is a row of primitive columns in chunks of
 * {@value #CHUNK_ROWS} rows, 56 bytes a row (finished-at long, cost long with -1 for unpriced,
 * latency and five token counts as ints, four dictionary ids).
 *
 * <p>Consistency: the index is filled by {@link #load} from the database once at start; until
 * that finishes, queries wait (at most their own time limit) rather than answer from part of the
 * data, and calls committed meanwhile are held and applied after it, skipping any the load already
 * saw. After the load, {@link #add} appends a call once its transaction has committed (never
 * before, so a rolled-back call is never counted) and {@link #removeRun} hides a pruned run's calls
 * (a tombstone by run; rows are compacted away once they are a fifth of the index). One writer at a
 * time (a lock); a query reads an immutable {@link View} — the row count and tombstones at its start —
 * so it never waits for a writer and sees each call once or not at all.
 */
public final class CostIndex {
    private static final Logger LOG = LoggerFactory.getLogger(CostIndex.class);
    private static final int CHUNK_BITS = 14;
    static final int CHUNK_ROWS = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_ROWS - 1;
    /** Bytes of column data per call (see the class comment). */
    public static final int BYTES_PER_CALL = 8 + 8 + 6 * 4 + 4 * 4;
    private static final long DAY_MS = 86_400_000L;
    private static final long HOUR_MS = 3_600_000L;
    private static final DateTimeFormatter HOUR_KEY = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH':00Z'")
            .withZone(ZoneOffset.UTC);
    private static final long UNPRICED = -1;
    /** Most words of per-group run bitsets one query allocates (8 MB); groups beyond use a hash set. */
    private static final long RUN_BITS_WORDS = 1L << 20;

    /** A source of every stored call, read once (the database's {@code model_calls}). */
    @FunctionalInterface
    public interface CallSource {
        void forEachCall(Consumer<ModelCall> sink);
    }

    private final ReentrantLock writer = new ReentrantLock();
    /** Completes once the start-up load has finished, whether it succeeded or failed. */
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    /** Calls the start-up load expects to read (the rows counted before it began); -1: unknown. */
    private volatile long expectedCalls = -1;
    private volatile String loadFailure;
    private volatile View view = new View(new Chunk[0], 0, new BitSet(), Dict.EMPTY_VIEW, Dict.EMPTY_VIEW,
            Dict.EMPTY_VIEW, false, 0, new String[0]);

    // Writer state: guarded by `writer` (the loader owns it alone while `loading`).
    private final Dict tenants = new Dict();
    private final Dict bundles = new Dict();
    private final Dict models = new Dict();
    private Dict runs = new Dict();
    private Chunk[] chunks = new Chunk[0];
    private int rows;
    /** Per run id: its rows in the index, and the highest call sequence seen (to skip a call seen twice). */
    private int[] rowsOfRun = new int[1024];
    private long[] lastSequenceOfRun = new long[1024];
    private BitSet removed = new BitSet();
    private int removedRows;
    private boolean loading = true;
    private volatile int loadedSoFar;
    private final List<ModelCall> heldCalls = new ArrayList<>();
    private final Set<String> heldRemovals = new LinkedHashSet<>();
    private boolean warnedNarrowing;

    /** An index with no calls that needs no load (tests, and daemons without cost queries). */
    public static CostIndex empty() {
        CostIndex index = new CostIndex();
        index.load(sink -> { });
        return index;
    }

    /**
     * Fills the index from {@code source} (every stored call), then applies the calls and removals
     * that arrived meanwhile and lets waiting queries run. A failure is logged and reported to
     * every query, which then gets UNAVAILABLE.
     */
    public void load(CallSource source) {
        load(-1, source);
    }

    /**
     * As {@link #load(CallSource)}, knowing that about {@code expected} calls are to be read, so a
     * query that cannot wait for the load says how far it got ("N of M calls").
     */
    public void load(long expected, CallSource source) {
        expectedCalls = expected;
        long t0 = System.nanoTime();
        try {
            source.forEachCall(call -> {
                put(call);
                if ((rows & CHUNK_MASK) == 0) {
                    loadedSoFar = rows;
                }
            });
        } catch (RuntimeException | Error e) {
            // Never null (a message may be): a null failure would let queries answer from part of the calls.
            loadFailure = e.toString();
            LOG.error("cannot load the cost index; cost queries answer UNAVAILABLE until the daemon restarts", e);
            writer.lock();
            try {
                loading = false;
            } finally {
                writer.unlock();
            }
            loaded.complete(null);
            if (e instanceof Error error) {
                throw error;
            }
            return;
        }
        int fromLoad;
        writer.lock();
        try {
            fromLoad = rows;
            heldCalls.forEach(this::put);
            heldCalls.clear();
            heldRemovals.forEach(this::tombstone);
            heldRemovals.clear();
            loading = false;
            compactIfWorthIt();
            publish();
        } finally {
            writer.unlock();
        }
        loaded.complete(null);
        LOG.info("cost index loaded {} model call(s) in {} ms (about {} MB of columns)", fromLoad,
                (System.nanoTime() - t0) / 1_000_000, (long) chunks.length * CHUNK_ROWS * BYTES_PER_CALL >> 20);
    }

    /** Appends a call whose transaction has committed. A call already in the index is ignored. */
    public void add(ModelCall call) {
        writer.lock();
        try {
            if (loading) {
                heldCalls.add(call);
                return;
            }
            if (put(call)) {
                publish();
            }
        } finally {
            writer.unlock();
        }
    }

    /** Hides the calls of a run that was deleted (retention). */
    public void removeRun(String runId) {
        writer.lock();
        try {
            if (loading) {
                heldRemovals.add(runId);
                return;
            }
            tombstone(runId);
            compactIfWorthIt();
            publish();
        } finally {
            writer.unlock();
        }
    }

    /** Calls in the index now, tombstoned ones excluded (waits for the load like a query). */
    public long size(Duration maxWait) {
        View v = await(maxWait);
        long n = 0;
        for (int i = 0; i < v.rows; i++) {
            if (!v.removed.get(v.chunks[i >>> CHUNK_BITS].run[i & CHUNK_MASK])) {
                n++;
            }
        }
        return n;
    }

    /** Bytes the column chunks take (allocated, including the unused tail of the last chunk). */
    public long columnBytes() {
        return (long) view.chunks.length * CHUNK_ROWS * BYTES_PER_CALL;
    }

    /**
     * Runs {@code query} over the calls committed when it starts: groups ordered by their keys (at
     * most its limit) and the total of every matching call, from the same pass.
     *
     * @param maxWait how long to wait for the start-up load, if it has not finished
     * @throws UnavailableException when the load does not finish in time, or failed
     */
    public CostReport query(CostQuery query, Duration maxWait) {
        return new Pass(await(maxWait), query).run();
    }

    /**
     * Per run, what its calls that finished in [from, to) and match {@code filter} cost, most
     * expensive first (then most tokens); the caller breaks the remaining ties with the runs' rows.
     */
    public List<RunSpend> spendByRun(Instant from, Instant to, CostFilter filter, Duration maxWait) {
        return new Pass(await(maxWait), new CostQuery(from, to, List.of(), filter, 1)).spendByRun();
    }

    /**
     * Completes once the start-up load has finished (successfully or not), on the thread that
     * finished it; then a query with no wait answers, or reports the load's failure.
     */
    public CompletableFuture<Void> loaded() {
        return loaded.copy();
    }

    /**
     * How the refusal below begins. Clients tell it from a daemon they lost by this phrase
     * (dev.flightdeck.client.DaemonCallException.COST_INDEX_LOADING, checked equal by a test).
     */
    public static final String LOADING = "the cost index is still loading";

    /** The refusal of a query that cannot wait for the start-up load any longer, saying how far it got. */
    public UnavailableException stillLoading() {
        long expected = expectedCalls;
        return new UnavailableException(LOADING + " (" + loadedSoFar
                + (expected >= 0 ? " of " + Math.max(expected, loadedSoFar) : " so far") + " calls); try again");
    }

    private View await(Duration maxWait) {
        try {
            loaded.get(Math.max(0, maxWait.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw stillLoading();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while the cost index was loading");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // never: the load completes it normally, failed or not
        }
        if (loadFailure != null) {
            throw new UnavailableException("cost data could not be loaded at start (" + loadFailure
                    + "); see the daemon log");
        }
        return view;
    }

    // ---- writing (under the lock) ----

    /** Appends one row; false when the call is already in (its run has this sequence or a later one). */
    private boolean put(ModelCall call) {
        int run = runs.id(call.runId(), null);
        if (run >= rowsOfRun.length) {
            rowsOfRun = Arrays.copyOf(rowsOfRun, Math.max(run + 1, rowsOfRun.length * 2));
            lastSequenceOfRun = Arrays.copyOf(lastSequenceOfRun, rowsOfRun.length);
        }
        if (rowsOfRun[run] > 0 && call.sequence() <= lastSequenceOfRun[run]) {
            return false;
        }
        int c = rows >>> CHUNK_BITS;
        if (c == chunks.length) {
            chunks = Arrays.copyOf(chunks, c + 1);
            chunks[c] = new Chunk();
        }
        Chunk k = chunks[c];
        int i = rows & CHUNK_MASK;
        Usage u = call.usage();
        long at = call.finishedAt().toEpochMilli();
        k.at[i] = at;
        k.cost[i] = u.priced() ? u.costMicros() : UNPRICED;
        k.latency[i] = narrow(call.latencyMs());
        k.input[i] = narrow(u.inputTokens());
        k.cached[i] = narrow(u.cachedInputTokens());
        k.cacheWrite[i] = narrow(u.cacheWriteTokens());
        k.output[i] = narrow(u.outputTokens());
        k.reasoning[i] = narrow(u.reasoningTokens());
        k.run[i] = run;
        k.tenant[i] = tenants.id(call.tenant(), null);
        k.bundle[i] = bundles.id(call.bundleName(), call.bundleVersion());
        k.model[i] = models.id(call.provider(), call.model());
        k.minAt = Math.min(k.minAt, at);
        k.maxAt = Math.max(k.maxAt, at);
        rowsOfRun[run]++;
        lastSequenceOfRun[run] = Math.max(lastSequenceOfRun[run], call.sequence());
        rows++;
        return true;
    }

    /**
     * Token counts and latencies are ints (4 bytes, not 8): no model call has 2^31 tokens or takes
     * 24 days. A value beyond that is stored as the largest int, once logged, rather than refused.
     */
    private int narrow(long value) {
        if (value >= 0 && value <= Integer.MAX_VALUE) {
            return (int) value;
        }
        if (!warnedNarrowing) {
            warnedNarrowing = true;
            LOG.warn("a model call has a token count or latency of {}, outside 0..{}: the cost index counts it as {}",
                    value, Integer.MAX_VALUE, value < 0 ? 0 : Integer.MAX_VALUE);
        }
        return value < 0 ? 0 : Integer.MAX_VALUE;
    }

    private void tombstone(String runId) {
        int run = runs.find(runId);
        if (run < 0 || removed.get(run)) {
            return;
        }
        BitSet next = (BitSet) removed.clone(); // queries hold the old one
        next.set(run);
        removed = next;
        removedRows += rowsOfRun[run];
    }

    /** Rewrites the chunks without tombstoned rows (and the run dictionary without their runs). */
    private void compactIfWorthIt() {
        if (removedRows == 0 || removedRows < Math.max(CHUNK_ROWS, rows / 5)) {
            return;
        }
        long t0 = System.nanoTime();
        Chunk[] old = chunks;
        int oldRows = rows;
        Dict oldRuns = runs;
        BitSet gone = removed;
        chunks = new Chunk[0];
        rows = 0;
        runs = new Dict();
        rowsOfRun = new int[rowsOfRun.length];
        long[] oldLast = lastSequenceOfRun;
        lastSequenceOfRun = new long[oldLast.length];
        int[] remap = new int[oldRuns.size()];
        Arrays.fill(remap, -1);
        for (int r = 0; r < oldRows; r++) {
            Chunk from = old[r >>> CHUNK_BITS];
            int i = r & CHUNK_MASK;
            int oldRun = from.run[i];
            if (gone.get(oldRun)) {
                continue;
            }
            if (remap[oldRun] < 0) {
                remap[oldRun] = runs.id(oldRuns.first(oldRun), null);
            }
            int c = rows >>> CHUNK_BITS;
            if (c == chunks.length) {
                chunks = Arrays.copyOf(chunks, c + 1);
                chunks[c] = new Chunk();
            }
            chunks[c].copyRow(rows & CHUNK_MASK, from, i, remap[oldRun]);
            rowsOfRun[remap[oldRun]]++;
            lastSequenceOfRun[remap[oldRun]] = oldLast[oldRun];
            rows++;
        }
        removed = new BitSet();
        removedRows = 0;
        LOG.info("cost index compacted: {} of {} calls kept, in {} ms", rows, oldRows,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private void publish() {
        view = new View(chunks, rows, removed, tenants.view(), bundles.view(), models.view(), !removed.isEmpty(),
                runs.size(), runs.view().first());
    }

    // ---- reading ----

    /** What a query sees: the first {@code rows} rows of {@code chunks}, minus tombstoned runs. */
    private record View(Chunk[] chunks, int rows, BitSet removed, Dict.View tenants, Dict.View bundles,
                        Dict.View models, boolean anyRemoved, int runCount, String[] runIds) {
    }

    /** One query's single pass over the rows of its range, and what it accumulates per group. */
    private static final class Pass {
        private final View v;
        private final CostQuery q;
        private final long from;
        private final long to;
        private final boolean[] tenantOk;
        private final boolean[] bundleOk;
        private final boolean[] modelOk;
        /** Per requested dimension: which column it reads and the code of each dictionary id. */
        private final Dim[] dims;
        private final LongIntMap[] densify;
        // per group, indexed by group number
        private int groupCount;
        private int[][] codes = new int[64][];
        private long[] calls = new long[64];
        private long[][] sums = new long[64][];
        private long[] unpriced = new long[64];
        private long[] runCount = new long[64];
        private IntList[] latencies = new IntList[64];
        private long[][] runBits = new long[64][];

        Pass(View v, CostQuery q) {
            this.v = v;
            this.q = q;
            this.from = q.from().toEpochMilli();
            this.to = q.to().toEpochMilli();
            CostFilter f = q.filter();
            tenantOk = allowed(v.tenants, f.tenants(), List.of());
            bundleOk = allowed(v.bundles, f.bundleNames(), f.bundleVersions());
            modelOk = allowed(v.models, f.providers(), f.models());
            dims = q.groupBy().stream().map(d -> new Dim(d, v, from, to)).toArray(Dim[]::new);
            // The group key is the codes in mixed radix; where the product of the cardinalities would
            // overflow a long, the key so far is first replaced by a dense number (at most one per row).
            densify = new LongIntMap[dims.length];
            long product = 1;
            for (int d = 0; d < dims.length; d++) {
                if (product > Long.MAX_VALUE / dims[d].cardinality) {
                    densify[d] = new LongIntMap(1024);
                    product = Integer.MAX_VALUE;
                }
                product *= dims[d].cardinality;
            }
        }

        /** Null when the lists keep everything; else, per dictionary id, whether the filter keeps it. */
        private static boolean[] allowed(Dict.View dict, List<String> firsts, List<String> seconds) {
            if (firsts.isEmpty() && seconds.isEmpty()) {
                return null;
            }
            Set<String> a = new HashSet<>(firsts);
            Set<String> b = new HashSet<>(seconds);
            boolean[] ok = new boolean[dict.size()];
            for (int id = 0; id < ok.length; id++) {
                ok[id] = (a.isEmpty() || a.contains(dict.first()[id])) && (b.isEmpty() || b.contains(dict.second()[id]));
            }
            return ok;
        }

        /** How many rows of chunk {@code c} to scan: none when all its calls finished outside the range. */
        private int scanEnd(int c) {
            Chunk k = v.chunks[c];
            return k.maxAt < from || k.minAt >= to ? 0 : Math.min(CHUNK_ROWS, v.rows - c * CHUNK_ROWS);
        }

        /** Whether row {@code i} finished in the range, the filter keeps it and its run is not tombstoned. */
        private boolean kept(Chunk k, int i) {
            long at = k.at[i];
            return at >= from && at < to && (tenantOk == null || tenantOk[k.tenant[i]]) && (bundleOk == null || bundleOk[k.bundle[i]])
                    && (modelOk == null || modelOk[k.model[i]]) && !(v.anyRemoved && v.removed.get(k.run[i]));
        }

        /** Per run with a matching call: its calls, tokens and cost, most expensive (then most tokens) first. */
        List<RunSpend> spendByRun() {
            int n = v.runCount;
            long[] runCalls = new long[n];
            long[] runUnpriced = new long[n];
            long[][] runSums = new long[6][n];
            for (int c = 0; c * CHUNK_ROWS < v.rows; c++) {
                Chunk k = v.chunks[c];
                for (int i = 0, end = scanEnd(c); i < end; i++) {
                    if (!kept(k, i)) {
                        continue;
                    }
                    int r = k.run[i];
                    runCalls[r]++;
                    runSums[0][r] += k.input[i];
                    runSums[1][r] += k.cached[i];
                    runSums[2][r] += k.cacheWrite[i];
                    runSums[3][r] += k.output[i];
                    runSums[4][r] += k.reasoning[i];
                    if (k.cost[i] == UNPRICED) {
                        runUnpriced[r]++;
                    } else {
                        runSums[5][r] += k.cost[i];
                    }
                }
            }
            List<RunSpend> spends = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                if (runCalls[r] > 0) {
                    spends.add(new RunSpend(v.runIds[r], runCalls[r], new Usage(runSums[0][r], runSums[1][r],
                            runSums[3][r], runSums[4][r], runSums[5][r], runUnpriced[r] == 0, runSums[2][r]),
                            runUnpriced[r]));
                }
            }
            spends.sort(RunSpend.COSTLIEST_FIRST);
            return spends;
        }

        CostReport run() {
            LongIntMap groupOf = new LongIntMap(1024);
            // Distinct runs per group: a bit per run while groups x runs stay small, else a hash set.
            LongIntMap groupRuns = new LongIntMap(1024);
            int runWords = (v.runCount + 63) >>> 6;
            BitSet totalRuns = new BitSet();
            long[] totalSums = new long[6];
            long totalCalls = 0;
            long totalUnpriced = 0;
            IntList totalLatencies = new IntList(1024);
            int[] code = new int[dims.length];
            for (int c = 0; c * CHUNK_ROWS < v.rows; c++) {
                Chunk k = v.chunks[c];
                for (int i = 0, end = scanEnd(c); i < end; i++) {
                    if (!kept(k, i)) {
                        continue;
                    }
                    long at = k.at[i];
                    int run = k.run[i];
                    long cost = k.cost[i];
                    totalCalls++;
                    totalRuns.set(run);
                    add(totalSums, k, i, cost);
                    if (cost == UNPRICED) {
                        totalUnpriced++;
                    }
                    totalLatencies.add(k.latency[i]);
                    if (dims.length == 0) {
                        continue;
                    }
                    long key = 0;
                    for (int d = 0; d < dims.length; d++) {
                        code[d] = dims[d].code(k, i, at);
                        if (densify[d] != null) {
                            int dense = densify[d].putIfAbsent(key, densify[d].size());
                            key = dense >= 0 ? dense : densify[d].size() - 1;
                        }
                        key = key * dims[d].cardinality + code[d];
                    }
                    int g = groupOf.putIfAbsent(key, groupCount);
                    if (g < 0) {
                        g = newGroup(code, runWords);
                    }
                    calls[g]++;
                    add(sums[g], k, i, cost);
                    if (cost == UNPRICED) {
                        unpriced[g]++;
                    }
                    latencies[g].add(k.latency[i]);
                    long[] bits = runBits[g];
                    if (bits != null) {
                        long bit = 1L << run;
                        if ((bits[run >>> 6] & bit) == 0) {
                            bits[run >>> 6] |= bit;
                            runCount[g]++;
                        }
                    } else if (groupRuns.putIfAbsent(((long) g << 32) | run, 0) < 0) {
                        runCount[g]++;
                    }
                }
            }
            CostGroup total = group(List.of(), null, totalRuns.cardinality(), totalCalls, totalSums, totalUnpriced,
                    totalLatencies);
            if (dims.length == 0) {
                return new CostReport(List.of(total), total, false);
            }
            Integer[] order = new Integer[groupCount];
            for (int g = 0; g < groupCount; g++) {
                order[g] = g;
            }
            Arrays.sort(order, keyOrder());
            int shown = Math.min(groupCount, q.limit());
            List<CostGroup> groups = new ArrayList<>(shown);
            for (int n = 0; n < shown; n++) {
                int g = order[n];
                List<String> keys = new ArrayList<>(dims.length);
                Instant bucket = null;
                for (int d = 0; d < dims.length; d++) {
                    keys.add(dims[d].key(codes[g][d]));
                    if (dims[d].unit > 0) {
                        bucket = dims[d].bucketStart(codes[g][d]);
                    }
                }
                groups.add(group(keys, bucket, runCount[g], calls[g], sums[g], unpriced[g], latencies[g]));
            }
            return new CostReport(groups, total, groupCount > shown);
        }

        private static void add(long[] s, Chunk k, int i, long cost) {
            s[0] += k.input[i];
            s[1] += k.cached[i];
            s[2] += k.cacheWrite[i];
            s[3] += k.output[i];
            s[4] += k.reasoning[i];
            if (cost != UNPRICED) {
                s[5] += cost;
            }
        }

        private int newGroup(int[] code, int runWords) {
            int g = groupCount++;
            if (g == calls.length) {
                int n = g * 2;
                codes = Arrays.copyOf(codes, n);
                calls = Arrays.copyOf(calls, n);
                sums = Arrays.copyOf(sums, n);
                unpriced = Arrays.copyOf(unpriced, n);
                runCount = Arrays.copyOf(runCount, n);
                latencies = Arrays.copyOf(latencies, n);
                runBits = Arrays.copyOf(runBits, n);
            }
            if ((long) (g + 1) * runWords <= RUN_BITS_WORDS) {
                runBits[g] = new long[runWords];
            }
            codes[g] = code.clone();
            sums[g] = new long[6];
            latencies[g] = new IntList(64);
            return g;
        }

        /** The order of the keys' values: each dimension in turn (composite keys part by part, time oldest first). */
        private Comparator<Integer> keyOrder() {
            return (a, b) -> {
                for (int d = 0; d < dims.length; d++) {
                    int c = dims[d].compare(codes[a][d], codes[b][d]);
                    if (c != 0) {
                        return c;
                    }
                }
                return 0;
            };
        }

        private static CostGroup group(List<String> keys, Instant bucket, long runs, long calls, long[] s,
                                       long unpriced, IntList latencies) {
            long[] p = latencies.percentiles(50, 95, 99);
            return new CostGroup(keys, bucket, runs, calls, new Usage(s[0], s[1], s[3], s[4], s[5], unpriced == 0, s[2]),
                    unpriced, p[0], p[1], p[2]);
        }
    }

    /**
     * The nearest-rank percentile of sorted values: the smallest value with at least {@code percent}
     * % of the values at or below it, i.e. the value at rank ceil(percent / 100 x n); 0 for none.
     * Integer arithmetic, so no rank is off by one from floating-point rounding.
     */
    static long nearestRank(int[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        long rank = ((long) percent * sorted.length + 99) / 100;
        return sorted[(int) Math.max(1, rank) - 1];
    }

    /** A group-by dimension of one query: each row's code in 0..cardinality-1, its key and its order. */
    private static final class Dim {
        private final CostDimension dimension;
        /** Dictionary id -> code, for a dictionary dimension. */
        private final int[] codeOf;
        /** Code -> key text (dictionary dimensions). */
        private final String[] keyOf;
        /** Code -> the values it sorts by, in order (composite keys have two). */
        private final String[][] sortOf;
        /** Bucket length for DAY/HOUR, else 0. */
        private final long unit;
        private final long firstBucket;
        final long cardinality;

        Dim(CostDimension dimension, View v, long from, long to) {
            this.dimension = dimension;
            if (dimension.isTime()) {
                unit = dimension == CostDimension.DAY ? DAY_MS : HOUR_MS;
                firstBucket = Math.floorDiv(from, unit);
                cardinality = Math.floorDiv(to - 1, unit) - firstBucket + 1;
                codeOf = null;
                keyOf = null;
                sortOf = null;
                return;
            }
            unit = 0;
            firstBucket = 0;
            Dict.View dict = switch (dimension) {
                case TENANT -> v.tenants;
                case BUNDLE, BUNDLE_VERSION -> v.bundles;
                default -> v.models;
            };
            boolean whole = dimension == CostDimension.BUNDLE_VERSION || dimension == CostDimension.MODEL;
            String separator = dimension == CostDimension.BUNDLE_VERSION ? "@" : "/";
            // Dictionary entries that share the key (BUNDLE: versions of one name; PROVIDER: its models)
            // share a code.
            Map<String, Integer> codes = new HashMap<>();
            List<String[]> sorts = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            codeOf = new int[dict.size()];
            for (int id = 0; id < dict.size(); id++) {
                String first = dict.first()[id];
                String second = dict.second()[id];
                String key = whole ? first + separator + second : first;
                Integer c = codes.get(whole ? first + "\u0000" + second : first);
                if (c == null) {
                    c = keys.size();
                    codes.put(whole ? first + "\u0000" + second : first, c);
                    keys.add(key);
                    sorts.add(whole ? new String[]{first, second} : new String[]{first});
                }
                codeOf[id] = c;
            }
            keyOf = keys.toArray(String[]::new);
            sortOf = sorts.toArray(String[][]::new);
            cardinality = Math.max(1, keyOf.length);
        }

        int code(Chunk k, int i, long at) {
            return switch (dimension) {
                case TENANT -> codeOf[k.tenant[i]];
                case BUNDLE, BUNDLE_VERSION -> codeOf[k.bundle[i]];
                case PROVIDER, MODEL -> codeOf[k.model[i]];
                case DAY, HOUR -> (int) (Math.floorDiv(at, unit) - firstBucket);
            };
        }

        int compare(int a, int b) {
            if (unit > 0) {
                return Integer.compare(a, b);
            }
            String[] x = sortOf[a];
            String[] y = sortOf[b];
            for (int p = 0; p < x.length; p++) {
                int c = x[p].compareTo(y[p]);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }

        Instant bucketStart(int code) {
            return Instant.ofEpochMilli((firstBucket + code) * unit);
        }

        String key(int code) {
            if (unit == 0) {
                return keyOf[code];
            }
            Instant start = bucketStart(code);
            return dimension == CostDimension.DAY ? start.atOffset(ZoneOffset.UTC).toLocalDate().toString()
                    : HOUR_KEY.format(start);
        }
    }

    /** A column chunk: {@value #CHUNK_ROWS} rows, with the range of their finish times to skip it whole. */
    private static final class Chunk {
        final long[] at = new long[CHUNK_ROWS];
        /** Micro-dollars; {@link #UNPRICED} for a call whose model had no price. */
        final long[] cost = new long[CHUNK_ROWS];
        final int[] latency = new int[CHUNK_ROWS];
        final int[] input = new int[CHUNK_ROWS];
        final int[] cached = new int[CHUNK_ROWS];
        final int[] cacheWrite = new int[CHUNK_ROWS];
        final int[] output = new int[CHUNK_ROWS];
        final int[] reasoning = new int[CHUNK_ROWS];
        final int[] run = new int[CHUNK_ROWS];
        final int[] tenant = new int[CHUNK_ROWS];
        final int[] bundle = new int[CHUNK_ROWS];
        final int[] model = new int[CHUNK_ROWS];
        long minAt = Long.MAX_VALUE;
        long maxAt = Long.MIN_VALUE;

        void copyRow(int i, Chunk from, int j, int runId) {
            at[i] = from.at[j];
            cost[i] = from.cost[j];
            latency[i] = from.latency[j];
            input[i] = from.input[j];
            cached[i] = from.cached[j];
            cacheWrite[i] = from.cacheWrite[j];
            output[i] = from.output[j];
            reasoning[i] = from.reasoning[j];
            run[i] = runId;
            tenant[i] = from.tenant[j];
            bundle[i] = from.bundle[j];
            model[i] = from.model[j];
            minAt = Math.min(minAt, at[i]);
            maxAt = Math.max(maxAt, at[i]);
        }
    }

    /**
     * Strings (or pairs of strings) to dense int ids. Written under the index's lock; a reader uses a
     * {@link View} of the arrays as they were at publication (arrays are replaced, never shrunk, when
     * they grow, so an old view stays valid).
     */
    private static final class Dict {
        static final View EMPTY_VIEW = new View(new String[0], new String[0], 0);
        private final Map<String, Integer> ids = new HashMap<>();
        private String[] firsts = new String[16];
        private String[] seconds = new String[16];
        private int size;
        private View view = EMPTY_VIEW;

        record View(String[] first, String[] second, int size) {
        }

        int id(String first, String second) {
            String key = second == null ? first : first + "\u0000" + second;
            Integer id = ids.get(key);
            if (id != null) {
                return id;
            }
            if (size == firsts.length) {
                firsts = Arrays.copyOf(firsts, size * 2);
                seconds = Arrays.copyOf(seconds, size * 2);
            }
            firsts[size] = first;
            seconds[size] = second;
            ids.put(key, size);
            return size++;
        }

        /** The id of a one-string entry, or -1. */
        int find(String first) {
            Integer id = ids.get(first);
            return id == null ? -1 : id;
        }

        String first(int id) {
            return firsts[id];
        }

        int size() {
            return size;
        }

        View view() {
            if (view.size() != size) {
                view = new View(firsts, seconds, size);
            }
            return view;
        }
    }

    /** A growable int array. */
    private static final class IntList {
        private static final int RADIX_MIN = 1 << 16;
        private int[] values;
        private int size;

        IntList(int capacity) {
            values = new int[capacity];
        }

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        /**
         * The nearest-rank percentiles of the values (non-negative). A small list is sorted; a large
         * one (the total of a month) is searched by radix instead — a histogram of the high 16 bits,
         * then of the low 16 bits within the bucket holding each rank — a few linear passes instead
         * of sorting a million values. Both give exactly the value at the rank.
         */
        long[] percentiles(int... percents) {
            long[] out = new long[percents.length];
            if (size < RADIX_MIN) {
                int[] sorted = Arrays.copyOf(values, size);
                Arrays.sort(sorted);
                for (int p = 0; p < percents.length; p++) {
                    out[p] = nearestRank(sorted, percents[p]);
                }
                return out;
            }
            int[] high = new int[1 << 15];
            for (int i = 0; i < size; i++) {
                high[values[i] >>> 16]++;
            }
            for (int p = 0; p < percents.length; p++) {
                long rank = Math.max(1, ((long) percents[p] * size + 99) / 100);
                int h = 0;
                while (rank > high[h]) {
                    rank -= high[h++];
                }
                int[] low = new int[1 << 16];
                for (int i = 0; i < size; i++) {
                    if (values[i] >>> 16 == h) {
                        low[values[i] & 0xFFFF]++;
                    }
                }
                int l = 0;
                while (rank > low[l]) {
                    rank -= low[l++];
                }
                out[p] = ((long) h << 16) | l;
            }
            return out;
        }
    }
}
