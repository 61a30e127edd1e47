package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.cost.CostDimension;
import dev.flightdeck.daemon.cost.CostFilter;
import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.cost.CostQuery;
import dev.flightdeck.daemon.cost.CostReport;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.model.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-memory cost index answers QueryCost exactly as SQL over the same rows does: random calls
 * (unpriced ones, tied latencies, times on day and hour boundaries, runs spread over tenants and
 * models) and random queries (every dimension, filters with absent values, empty and partial
 * ranges, small limits), compared field by field.
 */
class CostIndexOracleTest {
    private static final Instant DAY0 = Instant.parse("2026-11-18T00:00:00Z");
    private static final String[] TENANTS = {"acme", "globex", "initech", "umbrella"};
    private static final String[][] BUNDLES = {{"support", "a1"}, {"support", "b2"}, {"triage", "a1"}, {"zeta", "c3"}};
    private static final String[][] MODELS = {{"openai", "gpt-4o"}, {"openai", "o3"}, {"anthropic", "claude"},
            {"vllm", "llama"}, {"scripted", "demo"}};

    @TempDir
    Path dir;
    private Database db;

    @BeforeEach
    void open() {
        db = Database.open(dir);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static List<ModelCall> randomCalls(Random random, int count, String runPrefix) {
        List<ModelCall> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int run = random.nextInt(60);
            String[] b = BUNDLES[run % BUNDLES.length];
            String[] m = MODELS[random.nextInt(MODELS.length)];
            // a third of the calls exactly on an hour or day boundary, or 1 ms before one
            long at = random.nextInt(3) == 0
                    ? (random.nextInt(72) * 3_600_000L) - random.nextInt(2)
                    : (long) (random.nextDouble() * 3 * 86_400_000L);
            boolean priced = !"vllm".equals(m[0]) && random.nextInt(10) > 0;
            long input = random.nextInt(5000);
            long output = random.nextInt(900);
            Usage usage = new Usage(input, random.nextInt(300), output, random.nextInt(50),
                    priced ? input * 3 + output * 11 : 0, priced, random.nextInt(4) == 0 ? random.nextInt(800) : 0);
            // latencies from a small set, so groups have ties
            calls.add(new ModelCall(runPrefix + run, i + 1, TENANTS[run % TENANTS.length], b[0], b[1], m[0], m[1],
                    DAY0.plusMillis(Math.max(0, at)), 10L * (1 + random.nextInt(40)), usage));
        }
        return calls;
    }

    private static CostQuery randomQuery(Random random) {
        List<CostDimension> dims = new ArrayList<>(EnumSet.allOf(CostDimension.class));
        Collections.shuffle(dims, random);
        List<CostDimension> groupBy = new ArrayList<>();
        for (CostDimension d : dims.subList(0, random.nextInt(4))) {
            if (!(d.isTime() && groupBy.stream().anyMatch(CostDimension::isTime))) {
                groupBy.add(d);
            }
        }
        long start = random.nextInt(4) == 0 ? 0 : random.nextInt(80) * 3_600_000L - random.nextInt(2);
        long length = random.nextInt(5) == 0 ? 1 + random.nextInt(1000) : 1 + (long) (random.nextDouble() * 4 * 86_400_000L);
        CostFilter filter = random.nextInt(3) > 0 ? CostFilter.NONE : new CostFilter(
                pick(random, List.of("acme", "globex", "nobody")), pick(random, List.of("support", "zeta")),
                pick(random, List.of("a1", "c3", "zz")), pick(random, List.of("openai", "vllm", "anthropic")),
                pick(random, List.of("gpt-4o", "llama", "claude", "none")));
        int limit = random.nextInt(4) == 0 ? 1 + random.nextInt(5) : 10_000;
        return new CostQuery(DAY0.plusMillis(start), DAY0.plusMillis(start + length), groupBy, filter, limit);
    }

    private static List<String> pick(Random random, List<String> values) {
        List<String> kept = new ArrayList<>();
        for (String v : values) {
            if (random.nextInt(3) == 0) {
                kept.add(v);
            }
        }
        return kept;
    }

    @Test
    void everyRandomQueryEqualsTheSqlOracle() {
        Random random = new Random(20261121);
        ModelCallRows.insert(db, randomCalls(random, 4000, "run-"));
        CostIndex index = new CostIndex();
        index.load(new CostRepository(db)::forEachCall);

        for (int i = 0; i < 300; i++) {
            CostQuery q = randomQuery(random);
            CostReport expected = SqlCostOracle.query(db, q);
            assertThat(index.query(q, Duration.ZERO)).as("query %d: %s", i, q).isEqualTo(expected);
        }
    }

    @Test
    void callsAddedAfterTheLoadAndRemovedRunsAgreeWithTheDatabase() {
        Random random = new Random(7);
        CostRepository costs = new CostRepository(db);
        ModelCallRows.insert(db, randomCalls(random, 1500, "old-"));
        CostIndex index = new CostIndex();
        index.load(costs::forEachCall);
        List<ModelCall> later = randomCalls(random, 500, "new-");
        ModelCallRows.insert(db, later);
        later.forEach(index::add);
        later.forEach(index::add); // a call seen twice counts once
        for (String run : List.of("old-3", "old-17", "new-5", "nobody")) {
            db.inTransaction(c -> {
                try (var ps = c.prepareStatement("DELETE FROM model_calls WHERE run_id = ?")) {
                    ps.setString(1, run);
                    ps.executeUpdate();
                }
                return null;
            });
            index.removeRun(run);
        }

        for (int i = 0; i < 100; i++) {
            CostQuery q = randomQuery(random);
            assertThat(index.query(q, Duration.ZERO)).as("query %d: %s", i, q).isEqualTo(SqlCostOracle.query(db, q));
        }
    }
}
