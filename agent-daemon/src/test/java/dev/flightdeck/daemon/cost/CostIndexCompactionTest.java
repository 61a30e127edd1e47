package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.model.Usage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Removing runs (retention) past the compaction threshold rewrites the index without their calls:
 * every query then answers as an index that never had them, and new calls still append.
 */
class CostIndexCompactionTest {
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    private static ModelCall call(int i) {
        int run = i % 10;
        boolean priced = i % 7 != 0;
        return new ModelCall("run-" + run, i + 1, "tenant-" + run % 3, "b", "v" + run % 2, "openai",
                i % 2 == 0 ? "gpt-4o" : "o3", T0.plusSeconds(i * 13L), 20 + i % 97,
                new Usage(100 + i % 50, i % 5, 10, 1, priced ? i % 1000 : 0, priced));
    }

    @Test
    void removingAFifthOfTheCallsCompactsAndQueriesAnswerAsIfTheyWereNeverThere() {
        Set<String> pruned = Set.of("run-2", "run-5", "run-9");
        CostIndex index = CostIndex.empty();
        CostIndex expected = CostIndex.empty();
        for (int i = 0; i < 100_000; i++) {
            ModelCall c = call(i);
            index.add(c);
            if (!pruned.contains(c.runId())) {
                expected.add(c);
            }
        }
        long before = index.columnBytes();
        pruned.forEach(index::removeRun);

        assertThat(index.size(Duration.ZERO)).isEqualTo(70_000);
        assertThat(index.columnBytes()).isLessThan(before);
        ModelCall late = call(100_001); // run-1, a later sequence
        index.add(late);
        expected.add(late);
        for (List<CostDimension> by : List.of(List.<CostDimension>of(), List.of(CostDimension.DAY, CostDimension.MODEL),
                List.of(CostDimension.TENANT, CostDimension.BUNDLE_VERSION), List.of(CostDimension.HOUR))) {
            CostQuery q = new CostQuery(T0, T0.plus(Duration.ofDays(30)), by, CostFilter.NONE, 100_000);
            assertThat(index.query(q, Duration.ZERO)).isEqualTo(expected.query(q, Duration.ZERO));
        }
    }

    @Test
    void percentilesOfAMillionCallsAreTheValuesAtTheirNearestRanks() {
        java.util.Random random = new java.util.Random(3);
        CostIndex index = CostIndex.empty();
        int n = 1_000_003;
        int[] latencies = new int[n];
        for (int i = 0; i < n; i++) {
            // mostly small, some beyond 16 bits, many ties
            latencies[i] = random.nextInt(10) == 0 ? 65_000 + random.nextInt(200_000) : random.nextInt(3000);
            index.add(new ModelCall("r" + i % 50, i + 1, "t", "b", "v", "p", "m", T0.plusMillis(i), latencies[i],
                    Usage.ZERO));
        }
        java.util.Arrays.sort(latencies);

        CostGroup total = index.query(new CostQuery(T0, T0.plus(Duration.ofDays(1)), List.of(), CostFilter.NONE, 10),
                Duration.ZERO).total();

        assertThat(total.calls()).isEqualTo(n);
        assertThat(total.latencyP50Ms()).isEqualTo(latencies[(int) Math.ceil(0.50 * n) - 1]);
        assertThat(total.latencyP95Ms()).isEqualTo(latencies[(int) Math.ceil(0.95 * n) - 1]);
        assertThat(total.latencyP99Ms()).isEqualTo(latencies[(int) Math.ceil(0.99 * n) - 1]);
        assertThat(total.runs()).isEqualTo(50);
    }

    @Test
    void nearestRankUsesIntegerRanks() {
        int[] oneTo98 = new int[98];
        for (int i = 0; i < 98; i++) {
            oneTo98[i] = i + 1;
        }
        // ceil(0.95 x 98) = 94 (H2's PERCENTILE_DISC says 93); ceil(0.5 x 98) = 49; ceil(0.99 x 98) = 98
        assertThat(CostIndex.nearestRank(oneTo98, 95)).isEqualTo(94);
        assertThat(CostIndex.nearestRank(oneTo98, 50)).isEqualTo(49);
        assertThat(CostIndex.nearestRank(oneTo98, 99)).isEqualTo(98);
        assertThat(CostIndex.nearestRank(new int[]{7}, 99)).isEqualTo(7);
        assertThat(CostIndex.nearestRank(new int[0], 50)).isZero();
    }
}
