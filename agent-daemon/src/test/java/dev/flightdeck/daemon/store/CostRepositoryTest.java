package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.cost.CostDimension;
import dev.flightdeck.daemon.cost.CostFilter;
import dev.flightdeck.daemon.cost.CostGroup;
import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.cost.CostQuery;
import dev.flightdeck.daemon.cost.CostReport;
import dev.flightdeck.daemon.cost.CostlyRun;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.engine.CostReports;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.run.TerminalReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cost aggregation against hand-computed fixtures in a real H2 file: every sum, micro-dollar,
 * percentile and bucket below was worked out by hand from the rows inserted. QueryCost goes through
 * the in-memory cost index loaded from the file, checked against the SQL oracle each time.
 */
class CostRepositoryTest {
    private static final Instant FROM = Instant.parse("2026-11-20T00:00:00Z");
    private static final Instant TO = Instant.parse("2026-11-22T00:00:00Z");
    private static final String V1 = "1".repeat(64);
    private static final String V2 = "2".repeat(64);

    @TempDir
    Path dir;
    private Database db;
    private CostRepository costs;

    @BeforeEach
    void open() {
        db = Database.open(dir);
        costs = new CostRepository(db);
        BundleRepository bundles = new BundleRepository(db);
        bundles.insertIfAbsent(V1, "b1", "d", "name: b1\n", "{}", FROM);
        bundles.insertIfAbsent(V2, "b1", "d", "name: b1\n", "{}", FROM);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static ModelCall call(String run, long seq, String tenant, String bundle, String version, String provider,
                                  String model, String at, long latency, Usage usage) {
        return new ModelCall(run, seq, tenant, bundle, version, provider, model, Instant.parse(at), latency, usage);
    }

    /**
     * r1 (acme, b1@V1, openai/gpt-4o): 2 calls either side of midnight 20/21 Nov.
     * r2 (acme, b1@V2, anthropic/claude-sonnet-4): 1 call with cache reads and writes.
     * r3 (globex, b2@V1, vllm/llama): 2 unpriced calls.
     * One call at exactly {@link #TO}: outside the range.
     */
    private void insertFixture() {
        ModelCallRows.insert(db, List.of(
                call("r1", 4, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-20T23:59:59.999Z", 100,
                        new Usage(1000, 0, 100, 0, 3500, true)),
                call("r1", 8, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-21T00:00:00Z", 300,
                        new Usage(2000, 500, 200, 50, 7125, true)),
                call("r2", 4, "acme", "b1", V2, "anthropic", "claude-sonnet-4", "2026-11-21T00:30:00Z", 200,
                        new Usage(10, 1000, 20, 0, 8130, true, 2000)),
                call("r3", 4, "globex", "b2", V1, "vllm", "llama", "2026-11-21T01:00:00Z", 50,
                        new Usage(500, 0, 50, 0, 0, false)),
                call("r3", 8, "globex", "b2", V1, "vllm", "llama", "2026-11-21T13:59:59.999Z", 400,
                        new Usage(600, 0, 60, 0, 0, false)),
                call("r1", 12, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-22T00:00:00Z", 999,
                        new Usage(1, 1, 1, 1, 1, true))));
    }

    /**
     * QueryCost through the cost index loaded from the database, as the daemon answers it; the SQL
     * oracle must agree on every fixture.
     */
    private CostReport query(CostFilter filter, int limit, CostDimension... by) {
        CostQuery q = new CostQuery(FROM, TO, List.of(by), filter, limit);
        CostIndex index = new CostIndex();
        index.load(costs::forEachCall);
        CostReport report = index.query(q, Duration.ZERO);
        assertThat(report).isEqualTo(SqlCostOracle.query(db, q));
        return report;
    }

    @Test
    void groupsByUtcDayWithMidnightInTheNewDayAndTheRangeEndExcluded() {
        insertFixture();

        CostReport report = query(CostFilter.NONE, 100, CostDimension.DAY);

        assertThat(report.groups()).containsExactly(
                new CostGroup(List.of("2026-11-20"), Instant.parse("2026-11-20T00:00:00Z"), 1, 1,
                        new Usage(1000, 0, 100, 0, 3500, true), 0, 100, 100, 100),
                // latencies 50, 200, 300, 400: p50 = 2nd, p95 = p99 = 4th
                new CostGroup(List.of("2026-11-21"), Instant.parse("2026-11-21T00:00:00Z"), 3, 4,
                        new Usage(3110, 1500, 330, 50, 15_255, false, 2000), 2, 200, 400, 400));
        // latencies 50, 100, 200, 300, 400: p50 = 3rd (200), p95 = p99 = 5th
        assertThat(report.total()).isEqualTo(new CostGroup(List.of(), null, 3, 5,
                new Usage(4110, 1500, 430, 50, 18_755, false, 2000), 2, 200, 400, 400));
        assertThat(report.truncated()).isFalse();
    }

    @Test
    void groupsByUtcHour() {
        insertFixture();

        CostReport report = query(CostFilter.NONE, 100, CostDimension.HOUR);

        assertThat(report.groups()).extracting(CostGroup::keys, CostGroup::bucketStart, CostGroup::calls).containsExactly(
                org.assertj.core.groups.Tuple.tuple(List.of("2026-11-20T23:00Z"), Instant.parse("2026-11-20T23:00:00Z"), 1L),
                org.assertj.core.groups.Tuple.tuple(List.of("2026-11-21T00:00Z"), Instant.parse("2026-11-21T00:00:00Z"), 2L),
                org.assertj.core.groups.Tuple.tuple(List.of("2026-11-21T01:00Z"), Instant.parse("2026-11-21T01:00:00Z"), 1L),
                org.assertj.core.groups.Tuple.tuple(List.of("2026-11-21T13:00Z"), Instant.parse("2026-11-21T13:00:00Z"), 1L));
    }

    @Test
    void groupsByTenantAndModelInKeyOrder_andTheLimitTruncatesButNotTheTotal() {
        insertFixture();

        CostReport all = query(CostFilter.NONE, 100, CostDimension.TENANT, CostDimension.MODEL);
        assertThat(all.groups()).extracting(CostGroup::keys).containsExactly(
                List.of("acme", "anthropic/claude-sonnet-4"), List.of("acme", "openai/gpt-4o"),
                List.of("globex", "vllm/llama"));
        assertThat(all.groups().get(1)).isEqualTo(new CostGroup(List.of("acme", "openai/gpt-4o"), null, 1, 2,
                new Usage(3000, 500, 300, 50, 10_625, true), 0, 100, 300, 300));
        assertThat(all.groups().get(2).usage().priced()).isFalse();
        assertThat(all.groups().get(2).unpricedCalls()).isEqualTo(2);
        assertThat(all.groups().get(2).usage().costMicros()).isZero();

        CostReport two = query(CostFilter.NONE, 2, CostDimension.TENANT, CostDimension.MODEL);
        assertThat(two.groups()).hasSize(2);
        assertThat(two.truncated()).isTrue();
        assertThat(two.total().calls()).isEqualTo(5);

        CostReport exactlyThree = query(CostFilter.NONE, 3, CostDimension.TENANT, CostDimension.MODEL);
        assertThat(exactlyThree.truncated()).isFalse();
    }

    @Test
    void bundleVersionKeysAreNameAtVersion_andNoGroupByGivesOneGroupEqualToTheTotal() {
        insertFixture();

        assertThat(query(CostFilter.NONE, 100, CostDimension.BUNDLE_VERSION).groups()).extracting(CostGroup::keys)
                .containsExactly(List.of("b1@" + V1), List.of("b1@" + V2), List.of("b2@" + V1));
        assertThat(query(CostFilter.NONE, 100, CostDimension.BUNDLE, CostDimension.PROVIDER).groups())
                .extracting(CostGroup::keys)
                .containsExactly(List.of("b1", "anthropic"), List.of("b1", "openai"), List.of("b2", "vllm"));
        CostReport none = query(CostFilter.NONE, 100);
        assertThat(none.groups()).containsExactly(none.total());
    }

    @Test
    void filtersKeepExactMatchesAndCombineWithAnd() {
        insertFixture();

        CostReport globex = query(new CostFilter(List.of("globex"), List.of(), List.of(), List.of(), List.of()), 100);
        assertThat(globex.total().calls()).isEqualTo(2);
        assertThat(globex.total().runs()).isEqualTo(1);

        CostReport gpt4o = query(new CostFilter(List.of("acme", "globex"), List.of("b1"), List.of(V1), List.of("openai"),
                List.of("gpt-4o")), 100);
        assertThat(gpt4o.total().calls()).isEqualTo(2);
        assertThat(gpt4o.total().usage().costMicros()).isEqualTo(10_625);

        CostReport nothing = query(new CostFilter(List.of("acme"), List.of(), List.of(), List.of("vllm"), List.of()), 100,
                CostDimension.DAY);
        assertThat(nothing.groups()).isEmpty();
        assertThat(nothing.total()).isEqualTo(new CostGroup(List.of(), null, 0, 0, Usage.ZERO, 0, 0, 0, 0));
    }

    @Test
    void percentilesAreNearestRankAtSmallAndRoundSizes() {
        List<ModelCall> calls = new ArrayList<>();
        // tenant "one": a single call; "twenty": 1..20 ms; "hundred": 1..100 ms (inserted in reverse)
        calls.add(call("p1", 1, "one", "b", V1, "p", "m", "2026-11-21T00:00:00Z", 7, Usage.ZERO));
        IntStream.rangeClosed(1, 20).forEach(i -> calls.add(call("p20", i, "twenty", "b", V1, "p", "m",
                "2026-11-21T00:00:00Z", i, Usage.ZERO)));
        IntStream.rangeClosed(1, 100).forEach(i -> calls.add(call("p100", i, "hundred", "b", V1, "p", "m",
                "2026-11-21T00:00:00Z", 101 - i, Usage.ZERO)));
        IntStream.rangeClosed(1, 2).forEach(i -> calls.add(call("p2", i, "two", "b", V1, "p", "m",
                "2026-11-21T00:00:00Z", i * 10, Usage.ZERO)));
        ModelCallRows.insert(db, calls);

        CostReport r = query(CostFilter.NONE, 100, CostDimension.TENANT);

        assertThat(r.groups()).extracting(g -> g.keys().get(0), CostGroup::latencyP50Ms, CostGroup::latencyP95Ms,
                CostGroup::latencyP99Ms).containsExactly(
                org.assertj.core.groups.Tuple.tuple("hundred", 50L, 95L, 99L),
                org.assertj.core.groups.Tuple.tuple("one", 7L, 7L, 7L),
                org.assertj.core.groups.Tuple.tuple("twenty", 10L, 19L, 20L),
                org.assertj.core.groups.Tuple.tuple("two", 10L, 20L, 20L));
    }

    /** TopRuns as the daemon answers it: ranked by the index loaded from the file, with the runs' rows. */
    private List<CostlyRun> topRuns(int limit) {
        CostIndex index = new CostIndex();
        index.load(costs::forEachCall);
        return new CostReports(costs, index).topRuns(FROM, TO, CostFilter.NONE, limit, Duration.ZERO);
    }

    @Test
    void topRunsRankByPricedCostThenTokensThenNewerRun() {
        RunRepository runs = new RunRepository(db);
        String[] ids = {"r1", "r2", "r3", "r4", "r5"};
        for (int i = 0; i < ids.length; i++) {
            runs.insert(RunRecord.queued(ids[i], "b1", V1, "acme", "in", "", FROM.plusSeconds(i)));
        }
        ModelCallRows.insert(db, List.of(
                call("r1", 4, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-21T00:00:00Z", 1, new Usage(10, 0, 10, 0, 500, true)),
                call("r1", 8, "acme", "b1", V1, "vllm", "llama", "2026-11-21T00:00:01Z", 1, new Usage(10, 0, 10, 0, 0, false)),
                call("r2", 4, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-21T00:00:00Z", 1, new Usage(10, 0, 10, 0, 400, true)),
                call("r3", 4, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-21T00:00:00Z", 1, new Usage(20, 0, 10, 0, 400, true)),
                call("r4", 4, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-21T00:00:00Z", 1, new Usage(20, 0, 10, 0, 400, true)),
                call("r5", 4, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-19T00:00:00Z", 1, new Usage(9, 9, 9, 9, 9999, true)),
                // the costliest, but its run row is gone: not listed, and the ones after it move up
                call("ghost", 4, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-21T00:00:00Z", 1, new Usage(1, 0, 1, 0, 9999, true))));

        List<CostlyRun> top = topRuns(10);

        // r1 $0.0005 (one call unpriced); r3 and r4 tie on cost and tokens: r4 is newer; r2 has fewer tokens;
        // r5's only call is before the range; ghost has no run row.
        assertThat(top).extracting(CostlyRun::runId).containsExactly("r1", "r4", "r3", "r2");
        CostlyRun r1 = top.get(0);
        assertThat(r1.calls()).isEqualTo(2);
        assertThat(r1.unpricedCalls()).isEqualTo(1);
        assertThat(r1.usage()).isEqualTo(new Usage(20, 0, 20, 0, 500, false));
        assertThat(r1.status()).isEqualTo(RunStatus.QUEUED);
        assertThat(r1.createdAt()).isEqualTo(FROM);
        assertThat(r1.bundleVersion()).isEqualTo(V1);
        assertThat(topRuns(2)).extracting(CostlyRun::runId).containsExactly("r1", "r4");
    }

    @Test
    void theAccountingRowCommitsWithItsEventOrNotAtAll_andIsPrunedWithItsRun() {
        RunRepository runs = new RunRepository(db);
        RunEventRepository events = new RunEventRepository(db);
        RunRecord run = RunRecord.queued("r1", "b1", V1, "acme", "in", "", FROM);
        runs.insert(run);
        ModelCall call = call("r1", 1, "acme", "b1", V1, "openai", "gpt-4o", "2026-11-21T00:00:00Z", 5,
                new Usage(1, 0, 1, 0, 10, true));
        RunEventRecord first = new RunEventRecord("r1", 1, 1, FROM, "model_responded", "{}", "{}", "", "a".repeat(64));
        RunRecord afterFirst = run.withLastEvent(1, first.hash());
        events.append(first, afterFirst, List.of(), call);
        assertThat(costs.spend("acme", FROM, TO).costMicros()).isEqualTo(10);

        // a second row with the same (run, sequence) fails the whole append: no event either
        RunEventRecord second = new RunEventRecord("r1", 2, 1, FROM, "model_responded", "{}", "{}", first.hash(),
                "b".repeat(64));
        assertThatThrownBy(() -> events.append(second, afterFirst.withLastEvent(2, second.hash()), List.of(), call))
                .isInstanceOf(DuplicateKeyException.class);
        assertThat(events.readAll("r1")).hasSize(1);

        RunRecord finished = afterFirst.finished(RunStatus.SUCCEEDED, TerminalReason.COMPLETED, "", "", FROM);
        RunEventRecord last = new RunEventRecord("r1", 2, 0, FROM, "run_finished", "{}", "{}", first.hash(), "c".repeat(64));
        events.append(last, finished.withLastEvent(2, last.hash()));
        assertThat(runs.deleteTerminal("r1", TO).deleted()).isTrue();
        assertThat(costs.spend("acme", FROM, TO).costMicros()).isZero();
        assertThat(query(CostFilter.NONE, 10).total().calls()).isZero();
    }

    @Test
    void tenantSpendCountsPricedCostAndUnpricedCallsInTheRangeOnly() {
        insertFixture();

        assertThat(costs.spend("acme", Instant.parse("2026-11-21T00:00:00Z"), TO))
                .isEqualTo(new dev.flightdeck.daemon.cost.TenantSpend(15_255, 0));
        assertThat(costs.spend("globex", FROM, TO)).isEqualTo(new dev.flightdeck.daemon.cost.TenantSpend(0, 2));
        assertThat(costs.spend("nobody", FROM, TO)).isEqualTo(new dev.flightdeck.daemon.cost.TenantSpend(0, 0));
    }
}
