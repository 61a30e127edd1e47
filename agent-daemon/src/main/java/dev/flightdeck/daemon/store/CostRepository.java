package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.cost.CostlyRun;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.cost.RunSpend;
import dev.flightdeck.daemon.cost.TenantSpend;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunStatus;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The accounting rows of model calls ({@code model_calls}): written with their
 * {@code model_responded} event by {@link RunEventRepository}, deleted with their run by
 * {@link RunRepository#deleteTerminal}, read whole once at start into the in-memory cost index
 * (which answers QueryCost and ranks TopRuns; ADR 0014), and summed here for the per-tenant daily
 * budget check before each model call.
 */
public final class CostRepository {
    /** The token and cost columns, in the order {@link #usageAt} reads them. */
    static final String USAGE_COLUMNS = "input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, "
            + "reasoning_tokens, cost_micros";
    private static final String COLUMNS = "run_id, sequence, tenant, bundle_name, bundle_version, provider, model, "
            + "finished_at_ms, latency_ms, " + USAGE_COLUMNS + ", priced";
    private static final String INSERT = "INSERT INTO model_calls (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    /** Rows per page of the start-up load: big enough to amortize a page, small enough to stay in memory. */
    private static final int LOAD_FETCH_SIZE = 10_000;
    /** Most run ids in one IN list. */
    private static final int MAX_IN = 1_000;

    private final Database db;

    public CostRepository(Database db) {
        this.db = db;
    }

    /** Inserts the accounting row of one model call (inside the caller's event transaction). */
    static void insert(Connection c, ModelCall call) throws SQLException {
        insert(c, List.of(call));
    }

    /** Inserts accounting rows in one batch (inside the caller's transaction). */
    static void insert(Connection c, List<ModelCall> calls) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (ModelCall call : calls) {
                bind(ps, call);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Streams every accounting row to {@code sink}, oldest first, in one SELECT (the cost index's
     * start-up load). The rows are read lazily in pages of {@value #LOAD_FETCH_SIZE}, so the result
     * is never materialized whole, in memory or in a temporary file.
     */
    public void forEachCall(Consumer<ModelCall> sink) {
        db.read(c -> {
            try (Statement lazy = c.createStatement()) {
                lazy.execute("SET LAZY_QUERY_EXECUTION TRUE");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM model_calls")) {
                ps.setFetchSize(LOAD_FETCH_SIZE);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sink.accept(call(rs));
                    }
                }
            } finally {
                try (Statement lazy = c.createStatement()) {
                    lazy.execute("SET LAZY_QUERY_EXECUTION FALSE"); // the connection goes back to the pool
                }
            }
            return null;
        });
    }

    /** Accounting rows stored now (what the cost index's start-up load is about to read). */
    public long countCalls() {
        return db.read(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM model_calls")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static ModelCall call(ResultSet rs) throws SQLException {
        return new ModelCall(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), Instant.ofEpochMilli(rs.getLong(8)), rs.getLong(9),
                usageAt(rs, 10, rs.getBoolean(16) ? 0 : 1));
    }

    private static void bind(PreparedStatement ps, ModelCall call) throws SQLException {
        Usage u = call.usage();
        ps.setString(1, call.runId());
        ps.setLong(2, call.sequence());
        ps.setString(3, call.tenant());
        ps.setString(4, call.bundleName());
        ps.setString(5, call.bundleVersion());
        ps.setString(6, call.provider());
        ps.setString(7, call.model());
        ps.setLong(8, call.finishedAt().toEpochMilli());
        ps.setLong(9, call.latencyMs());
        ps.setLong(10, u.inputTokens());
        ps.setLong(11, u.cachedInputTokens());
        ps.setLong(12, u.cacheWriteTokens());
        ps.setLong(13, u.outputTokens());
        ps.setLong(14, u.reasoningTokens());
        ps.setLong(15, u.priced() ? u.costMicros() : 0);
        ps.setBoolean(16, u.priced());
    }

    /** What {@code tenant}'s calls that finished in [from, to) cost. */
    public TenantSpend spend(String tenant, Instant from, Instant to) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(cost_micros), 0), "
                    + "COALESCE(SUM(CASE WHEN priced THEN 0 ELSE 1 END), 0) FROM model_calls "
                    + "WHERE tenant = ? AND finished_at_ms >= ? AND finished_at_ms < ?")) {
                ps.setString(1, tenant);
                ps.setLong(2, from.toEpochMilli());
                ps.setLong(3, to.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new TenantSpend(rs.getLong(1), rs.getLong(2));
                }
            }
        });
    }

    /**
     * The runs of {@code spends} that still have a row, each with its tenant, bundle, status and
     * creation time (in no particular order): TopRuns ranks them.
     */
    public List<CostlyRun> withRuns(List<RunSpend> spends) {
        Map<String, RunSpend> byId = new HashMap<>();
        spends.forEach(r -> byId.put(r.runId(), r));
        List<String> ids = List.copyOf(byId.keySet());
        return db.read(c -> {
            List<CostlyRun> runs = new ArrayList<>();
            for (int from = 0; from < ids.size(); from += MAX_IN) {
                List<String> page = ids.subList(from, Math.min(ids.size(), from + MAX_IN));
                try (PreparedStatement ps = c.prepareStatement("SELECT run_id, tenant, bundle_name, bundle_version, "
                        + "status, created_at FROM runs WHERE run_id IN (" + "?,".repeat(page.size() - 1) + "?)")) {
                    Database.bindAll(ps, page);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            RunSpend spend = byId.get(rs.getString(1));
                            runs.add(new CostlyRun(spend.runId(), rs.getString(2), rs.getString(3),
                                    rs.getString(4).trim(), RunStatus.valueOf(rs.getString(5)),
                                    Database.fromDb(rs.getObject(6, OffsetDateTime.class)), spend.calls(),
                                    spend.usage(), spend.unpricedCalls()));
                        }
                    }
                }
            }
            return runs;
        });
    }

    /**
     * The {@link Usage} in the columns from {@code first} on, in {@link #USAGE_COLUMNS}' order
     * (input, cached input, cache write, output, reasoning tokens, cost): one reader for a single
     * row and for sums alike.
     *
     * @param unpriced how many of the calls were unpriced (priced only when none was)
     */
    static Usage usageAt(ResultSet rs, int first, long unpriced) throws SQLException {
        return new Usage(rs.getLong(first), rs.getLong(first + 1), rs.getLong(first + 3), rs.getLong(first + 4),
                rs.getLong(first + 5), unpriced == 0, rs.getLong(first + 2));
    }
}
