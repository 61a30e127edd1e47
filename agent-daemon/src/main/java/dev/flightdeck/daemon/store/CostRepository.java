package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.cost.CostDimension;
import dev.flightdeck.daemon.cost.CostFilter;
import dev.flightdeck.daemon.cost.CostGroup;
import dev.flightdeck.daemon.cost.CostQuery;
import dev.flightdeck.daemon.cost.CostReport;
import dev.flightdeck.daemon.cost.CostlyRun;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.cost.TenantSpend;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunStatus;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The accounting rows of model calls ({@code model_calls}): written with their
 * {@code model_responded} event by {@link RunEventRepository}, deleted with their run by
 * {@link RunRepository#deleteTerminal}, and aggregated here. Latency percentiles are computed in
 * SQL with {@code PERCENTILE_DISC}, which is nearest-rank: the smallest latency whose cumulative
 * share of the group's calls is at least p.
 */
public final class CostRepository {
    private static final long DAY_MS = 86_400_000L;
    private static final long HOUR_MS = 3_600_000L;
    private static final DateTimeFormatter HOUR_KEY = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH':00Z'")
            .withZone(ZoneOffset.UTC);
    private static final String INSERT = "INSERT INTO model_calls (run_id, sequence, tenant, bundle_name, "
            + "bundle_version, provider, model, finished_at_ms, latency_ms, input_tokens, cached_input_tokens, "
            + "cache_write_tokens, output_tokens, reasoning_tokens, cost_micros, priced) "
            + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    private static final String SUMS = "COUNT(DISTINCT run_id), COUNT(*), SUM(input_tokens), SUM(cached_input_tokens), "
            + "SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_micros), "
            + "SUM(CASE WHEN priced THEN 0 ELSE 1 END), "
            + "PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY latency_ms), "
            + "PERCENTILE_DISC(0.95) WITHIN GROUP (ORDER BY latency_ms), "
            + "PERCENTILE_DISC(0.99) WITHIN GROUP (ORDER BY latency_ms)";

    private final Database db;

    public CostRepository(Database db) {
        this.db = db;
    }

    /** Inserts the accounting row of one model call (inside the caller's event transaction). */
    static void insert(Connection c, ModelCall call) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(ps, call);
            ps.executeUpdate();
        }
    }

    /**
     * Inserts many accounting rows in batches, outside the event path: for benchmarks and test
     * fixtures only (a real row is always written with its event).
     */
    public void insertBatch(List<ModelCall> calls) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                for (ModelCall call : calls) {
                    bind(ps, call);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
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

    /** Runs {@code query}: its groups (at most its limit) and the total. */
    public CostReport query(CostQuery query) {
        List<String> columns = new ArrayList<>();
        for (CostDimension d : query.groupBy()) {
            columns.addAll(columnsOf(d));
        }
        Where where = where(query.from(), query.to(), query.filter());
        String groupSql = columns.isEmpty() ? null : "SELECT " + String.join(", ", columns) + ", " + SUMS
                + " FROM model_calls" + where.sql + " GROUP BY " + String.join(", ", columns)
                + " ORDER BY " + String.join(", ", columns) + " LIMIT ?";
        String totalSql = "SELECT " + SUMS + " FROM model_calls" + where.sql;
        return db.read(c -> {
            List<CostGroup> groups = new ArrayList<>();
            boolean truncated = false;
            if (groupSql != null) {
                try (PreparedStatement ps = c.prepareStatement(groupSql)) {
                    int next = where.bind(ps, 1);
                    ps.setInt(next, query.limit() + 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            if (groups.size() == query.limit()) {
                                truncated = true;
                                break;
                            }
                            groups.add(group(rs, query.groupBy(), columns.size()));
                        }
                    }
                }
            }
            CostGroup total;
            try (PreparedStatement ps = c.prepareStatement(totalSql)) {
                where.bind(ps, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = aggregates(rs, 1, List.of(), null);
                }
            }
            if (groupSql == null) {
                groups.add(total);
            }
            return new CostReport(groups, total, truncated);
        });
    }

    /**
     * The at most {@code limit} runs whose calls in [from, to) matching {@code filter} cost the most:
     * by priced cost, then tokens, then newer run first.
     */
    public List<CostlyRun> topRuns(Instant from, Instant to, CostFilter filter, int limit) {
        Where where = where(from, to, filter);
        String sql = "SELECT a.run_id, r.tenant, r.bundle_name, r.bundle_version, r.status, r.created_at, a.calls, "
                + "a.input_tokens, a.cached_input_tokens, a.cache_write_tokens, a.output_tokens, a.reasoning_tokens, "
                + "a.cost_micros, a.unpriced FROM (SELECT run_id, COUNT(*) calls, SUM(input_tokens) input_tokens, "
                + "SUM(cached_input_tokens) cached_input_tokens, SUM(cache_write_tokens) cache_write_tokens, "
                + "SUM(output_tokens) output_tokens, SUM(reasoning_tokens) reasoning_tokens, "
                + "SUM(cost_micros) cost_micros, SUM(CASE WHEN priced THEN 0 ELSE 1 END) unpriced, "
                + "SUM(input_tokens + cached_input_tokens + cache_write_tokens + output_tokens) tokens "
                + "FROM model_calls" + where.sql + " GROUP BY run_id) a JOIN runs r ON r.run_id = a.run_id "
                + "ORDER BY a.cost_micros DESC, a.tokens DESC, r.created_at DESC, a.run_id DESC LIMIT ?";
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(where.bind(ps, 1), limit);
                List<CostlyRun> runs = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long unpriced = rs.getLong(14);
                        runs.add(new CostlyRun(rs.getString(1), rs.getString(2), rs.getString(3),
                                rs.getString(4).trim(), RunStatus.valueOf(rs.getString(5)),
                                Database.fromDb(rs.getObject(6, OffsetDateTime.class)), rs.getLong(7),
                                new Usage(rs.getLong(8), rs.getLong(9), rs.getLong(11), rs.getLong(12), rs.getLong(13),
                                        unpriced == 0, rs.getLong(10)), unpriced));
                    }
                }
                return runs;
            }
        });
    }

    private static List<String> columnsOf(CostDimension d) {
        return switch (d) {
            case TENANT -> List.of("tenant");
            case BUNDLE -> List.of("bundle_name");
            case BUNDLE_VERSION -> List.of("bundle_name", "bundle_version");
            case PROVIDER -> List.of("provider");
            case MODEL -> List.of("provider", "model");
            case DAY -> List.of("(finished_at_ms - MOD(finished_at_ms, " + DAY_MS + "))");
            case HOUR -> List.of("(finished_at_ms - MOD(finished_at_ms, " + HOUR_MS + "))");
        };
    }

    private static CostGroup group(ResultSet rs, List<CostDimension> dims, int columnCount) throws SQLException {
        List<String> keys = new ArrayList<>();
        Instant bucket = null;
        int col = 1;
        for (CostDimension d : dims) {
            switch (d) {
                case BUNDLE_VERSION -> keys.add(rs.getString(col++) + "@" + rs.getString(col++).trim());
                case MODEL -> keys.add(rs.getString(col++) + "/" + rs.getString(col++));
                case DAY, HOUR -> {
                    bucket = Instant.ofEpochMilli(rs.getLong(col++));
                    keys.add(d == CostDimension.DAY ? bucket.atOffset(ZoneOffset.UTC).toLocalDate().toString()
                            : HOUR_KEY.format(bucket));
                }
                default -> keys.add(rs.getString(col++));
            }
        }
        return aggregates(rs, columnCount + 1, keys, bucket);
    }

    private static CostGroup aggregates(ResultSet rs, int first, List<String> keys, Instant bucket) throws SQLException {
        long unpriced = rs.getLong(first + 8);
        Usage usage = new Usage(rs.getLong(first + 2), rs.getLong(first + 3), rs.getLong(first + 5),
                rs.getLong(first + 6), rs.getLong(first + 7), unpriced == 0, rs.getLong(first + 4));
        return new CostGroup(keys, bucket, rs.getLong(first), rs.getLong(first + 1), usage, unpriced,
                rs.getLong(first + 9), rs.getLong(first + 10), rs.getLong(first + 11));
    }

    /** A WHERE clause over the time range and filter lists, with its parameters. */
    private record Where(String sql, List<Object> params) {
        int bind(PreparedStatement ps, int first) throws SQLException {
            int i = first;
            for (Object p : params) {
                if (p instanceof Long l) {
                    ps.setLong(i++, l);
                } else {
                    ps.setString(i++, (String) p);
                }
            }
            return i;
        }
    }

    private static Where where(Instant from, Instant to, CostFilter filter) {
        StringBuilder sql = new StringBuilder(" WHERE finished_at_ms >= ? AND finished_at_ms < ?");
        List<Object> params = new ArrayList<>(List.of(from.toEpochMilli(), to.toEpochMilli()));
        in(sql, params, "tenant", filter.tenants());
        in(sql, params, "bundle_name", filter.bundleNames());
        in(sql, params, "bundle_version", filter.bundleVersions());
        in(sql, params, "provider", filter.providers());
        in(sql, params, "model", filter.models());
        return new Where(sql.toString(), params);
    }

    private static void in(StringBuilder sql, List<Object> params, String column, List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        sql.append(" AND ").append(column).append(" IN (").append("?,".repeat(values.size() - 1)).append("?)");
        params.addAll(values);
    }
}
