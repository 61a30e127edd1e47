package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.cost.CostDimension;
import dev.flightdeck.daemon.cost.CostFilter;
import dev.flightdeck.daemon.cost.CostGroup;
import dev.flightdeck.daemon.cost.CostQuery;
import dev.flightdeck.daemon.cost.CostReport;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * QueryCost in SQL over {@code model_calls}: the test oracle the in-memory cost index is checked
 * against (it was the daemon's implementation before ADR 0014, 20.8 s for 1,000,000 calls).
 * Percentiles are nearest-rank through {@code CUME_DIST}: the smallest latency whose cumulative
 * share of its group is at least p. (H2's {@code PERCENTILE_DISC} is not nearest-rank: it rounds
 * (n - 1) x p to the nearest row, e.g. p95 of 1..98 is 93, not 94.)
 */
public final class SqlCostOracle {
    private static final long DAY_MS = 86_400_000L;
    private static final long HOUR_MS = 3_600_000L;
    private static final DateTimeFormatter HOUR_KEY = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH':00Z'")
            .withZone(ZoneOffset.UTC);
    private static final String AGGREGATES = "COUNT(DISTINCT run_id), COUNT(*), SUM(CASE WHEN priced THEN 0 ELSE 1 END), "
            + sums(CostRepository.USAGE_COLUMNS)
            + ", MIN(CASE WHEN cd >= 0.5 THEN latency_ms END), MIN(CASE WHEN cd >= 0.95 THEN latency_ms END), "
            + "MIN(CASE WHEN cd >= 0.99 THEN latency_ms END)";

    private SqlCostOracle() {
    }

    /** The groups (at most the query's limit) and the total, as QueryCost defines them. */
    public static CostReport query(Database db, CostQuery query) {
        List<String> columns = new ArrayList<>();
        for (CostDimension d : query.groupBy()) {
            columns.addAll(columnsOf(d));
        }
        Where where = where(query.from(), query.to(), query.filter());
        return db.read(c -> {
            List<CostGroup> groups = new ArrayList<>();
            boolean truncated = false;
            if (!columns.isEmpty()) {
                String list = String.join(", ", columns);
                try (PreparedStatement ps = c.prepareStatement("SELECT " + list + ", " + AGGREGATES + " FROM "
                        + ranked(where, "PARTITION BY " + list) + " GROUP BY " + list + " ORDER BY " + list)) {
                    Database.bindAll(ps, where.params());
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
            try (PreparedStatement ps = c.prepareStatement("SELECT " + AGGREGATES + " FROM " + ranked(where, ""))) {
                Database.bindAll(ps, where.params());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = aggregates(rs, 1, List.of(), null);
                }
            }
            if (columns.isEmpty()) {
                groups.add(total);
            }
            return new CostReport(groups, total, truncated);
        });
    }

    private static String ranked(Where where, String partition) {
        return "(SELECT m.*, CUME_DIST() OVER (" + partition + " ORDER BY latency_ms) cd FROM model_calls m"
                + where.sql() + ") ranked";
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
                case BUNDLE_VERSION -> keys.add(rs.getString(col++) + "@" + rs.getString(col++));
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
        long unpriced = rs.getLong(first + 2);
        return new CostGroup(keys, bucket, rs.getLong(first), rs.getLong(first + 1),
                CostRepository.usageAt(rs, first + 3, unpriced), unpriced, rs.getLong(first + 9),
                rs.getLong(first + 10), rs.getLong(first + 11));
    }

    /** "SUM(a) a, SUM(b) b, ..." over a comma-separated column list. */
    private static String sums(String columns) {
        StringBuilder sql = new StringBuilder();
        for (String column : columns.split(", ")) {
            sql.append(sql.length() == 0 ? "" : ", ").append("SUM(").append(column).append(") ").append(column);
        }
        return sql.toString();
    }

    /** A WHERE clause over the time range and filter lists, with its parameters. */
    private record Where(String sql, List<Object> params) {
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
        if (!values.isEmpty()) {
            sql.append(" AND ").append(column).append(" IN (").append("?,".repeat(values.size() - 1)).append("?)");
            params.addAll(values);
        }
    }
}
