package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.run.TerminalReason;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Run rows: insert, read, list. Status changes go through {@link RunEventRepository#append}. */
public final class RunRepository {
    static final String COLUMNS = "run_id, bundle_name, bundle_version, tenant, input, idempotency_key, status, "
            + "terminal_reason, status_message, output, created_at, started_at, finished_at, step_count, "
            + "last_sequence, last_hash, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, "
            + "cost_micros, priced, cache_write_tokens";
    private final Database db;

    public RunRepository(Database db) {
        this.db = db;
    }

    /**
     * Inserts a new run.
     *
     * @throws DuplicateKeyException when the (tenant, idempotency key) pair is taken
     */
    public void insert(RunRecord run) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs (" + COLUMNS
                    + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                ps.setString(1, run.runId());
                ps.setString(2, run.bundleName());
                ps.setString(3, run.bundleVersion());
                ps.setString(4, run.tenant());
                ps.setString(5, run.input());
                ps.setString(6, run.idempotencyKey().isEmpty() ? null : run.idempotencyKey());
                ps.setString(7, run.status().name());
                ps.setString(8, run.terminalReason() == null ? null : run.terminalReason().name());
                ps.setString(9, run.statusMessage());
                ps.setString(10, run.output());
                ps.setObject(11, Database.toDb(run.createdAt()));
                ps.setObject(12, Database.toDb(run.startedAt()));
                ps.setObject(13, Database.toDb(run.finishedAt()));
                ps.setInt(14, run.stepCount());
                ps.setLong(15, run.lastSequence());
                ps.setString(16, run.lastHash());
                setUsage(ps, 17, run.usage());
                ps.executeUpdate();
            }
            return null;
        });
    }

    public Optional<RunRecord> find(String runId) {
        return db.read(c -> find(c, runId));
    }

    /** The runs with these ids that exist, in one query (the scheduler restores runs picked up together). */
    public List<RunRecord> findAll(java.util.Collection<String> runIds) {
        if (runIds.isEmpty()) {
            return List.of();
        }
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE run_id IN ("
                    + runIds.stream().map(x -> "?").collect(Collectors.joining(",")) + ")")) {
                int i = 1;
                for (String id : runIds) {
                    ps.setString(i++, id);
                }
                return all(ps);
            }
        });
    }

    public Optional<RunRecord> findByIdempotencyKey(String tenant, String key) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM runs WHERE tenant = ? AND idempotency_key = ?")) {
                ps.setString(1, tenant);
                ps.setString(2, key);
                List<RunRecord> rows = all(ps);
                return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
            }
        });
    }

    /** Runs matching the query, newest (highest id) first. */
    public List<RunRecord> list(RunQuery q) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM runs WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (!q.statuses().isEmpty()) {
            sql.append(" AND status IN (").append(q.statuses().stream().map(s -> "?").collect(Collectors.joining(",")))
                    .append(")");
            q.statuses().stream().map(Enum::name).sorted().forEach(args::add);
        }
        if (!q.bundleName().isEmpty()) {
            sql.append(" AND bundle_name = ?");
            args.add(q.bundleName());
        }
        if (!q.tenant().isEmpty()) {
            sql.append(" AND tenant = ?");
            args.add(q.tenant());
        }
        if (!q.beforeRunId().isEmpty()) {
            sql.append(" AND run_id < ?");
            args.add(q.beforeRunId());
        }
        sql.append(" ORDER BY run_id DESC LIMIT ?");
        args.add(q.limit());
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                Database.bindAll(ps, args);
                return all(ps);
            }
        });
    }

    /** Runs in any of these statuses, oldest first (e.g. to resume after a restart). */
    public List<RunRecord> listInStatuses(List<RunStatus> statuses) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE status IN ("
                    + statuses.stream().map(s -> "?").collect(Collectors.joining(",")) + ") ORDER BY run_id")) {
                for (int i = 0; i < statuses.size(); i++) {
                    ps.setString(i + 1, statuses.get(i).name());
                }
                return all(ps);
            }
        });
    }

    /** Statuses of runs the scheduler may start: queued, or running with no worker (resumed). */
    private static final String RUNNABLE = "('QUEUED','RUNNING')";
    private static final String TERMINAL = "('SUCCEEDED','FAILED','CANCELLED')";
    /** A run with an approval still waiting for a human is never deleted, whatever its status. */
    private static final String NO_PENDING_APPROVAL =
            " AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.run_id = runs.run_id AND a.state = 'PENDING')";

    /** Tenants that have runs stored QUEUED or RUNNING, sorted. */
    public List<String> tenantsWithRunnableRuns() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT tenant FROM runs WHERE status IN " + RUNNABLE + " ORDER BY tenant");
                 ResultSet rs = ps.executeQuery()) {
                List<String> tenants = new ArrayList<>();
                while (rs.next()) {
                    tenants.add(rs.getString(1));
                }
                return tenants;
            }
        });
    }

    /**
     * The ids of the {@code limit} oldest QUEUED or RUNNING runs of {@code tenant}, oldest first. The
     * scheduler skips the ones it holds itself, so it asks for as many more as it holds: one query
     * for a whole round of picks, however many runs are in progress.
     */
    public List<String> oldestRunnable(String tenant, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT run_id FROM runs WHERE status IN " + RUNNABLE
                    + " AND tenant = ? ORDER BY run_id LIMIT ?")) {
                ps.setString(1, tenant);
                ps.setInt(2, limit);
                List<String> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    /** Ids of terminal runs that finished before {@code cutoff}, oldest first, at most {@code limit}. */
    public List<String> terminalFinishedBefore(java.time.Instant cutoff, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT run_id FROM runs WHERE status IN " + TERMINAL
                    + " AND finished_at < ?" + NO_PENDING_APPROVAL + " ORDER BY run_id LIMIT ?")) {
                ps.setObject(1, Database.toDb(cutoff));
                ps.setInt(2, limit);
                List<String> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    /** What deleting one run removed. */
    public record Deleted(boolean deleted, long events) {
    }

    /**
     * Deletes a terminal run that finished before {@code cutoff}, with all its events, its
     * accounting rows (model_calls) and its (decided or closed) approvals, in one transaction. A run that is not (or no longer) terminal and old enough is left alone.
     */
    public Deleted deleteTerminal(String runId, java.time.Instant cutoff) {
        return db.inTransaction(c -> {
            try (PreparedStatement check = c.prepareStatement("SELECT run_id FROM runs WHERE run_id = ? AND status IN "
                    + TERMINAL + " AND finished_at < ?" + NO_PENDING_APPROVAL + " FOR UPDATE")) {
                check.setString(1, runId);
                check.setObject(2, Database.toDb(cutoff));
                try (ResultSet rs = check.executeQuery()) {
                    if (!rs.next()) {
                        return new Deleted(false, 0);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM approvals WHERE run_id = ?")) {
                ps.setString(1, runId);
                ps.executeUpdate();
            }
            long events;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM run_events WHERE run_id = ?")) {
                ps.setString(1, runId);
                events = ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM model_calls WHERE run_id = ?")) {
                ps.setString(1, runId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM runs WHERE run_id = ?")) {
                ps.setString(1, runId);
                ps.executeUpdate();
            }
            return new Deleted(true, events);
        });
    }

    /** How many events the run has (for a dry-run prune). */
    public long eventCount(String runId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM run_events WHERE run_id = ?")) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    static Optional<RunRecord> find(Connection c, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE run_id = ?")) {
            ps.setString(1, runId);
            List<RunRecord> rows = all(ps);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }
    }

    /**
     * Writes the projection columns of {@code run}, but only if the stored last sequence is still
     * {@code expectedLastSequence}: the optimistic check that keeps the event log single-writer.
     */
    static void updateProjection(Connection c, RunRecord run, long expectedLastSequence) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET status = ?, terminal_reason = ?, "
                + "status_message = ?, output = ?, started_at = ?, finished_at = ?, step_count = ?, last_sequence = ?, "
                + "last_hash = ?, input_tokens = ?, cached_input_tokens = ?, output_tokens = ?, reasoning_tokens = ?, "
                + "cost_micros = ?, priced = ?, cache_write_tokens = ? WHERE run_id = ? AND last_sequence = ?")) {
            ps.setString(1, run.status().name());
            ps.setString(2, run.terminalReason() == null ? null : run.terminalReason().name());
            ps.setString(3, run.statusMessage());
            ps.setString(4, run.output());
            ps.setObject(5, Database.toDb(run.startedAt()));
            ps.setObject(6, Database.toDb(run.finishedAt()));
            ps.setInt(7, run.stepCount());
            ps.setLong(8, run.lastSequence());
            ps.setString(9, run.lastHash());
            setUsage(ps, 10, run.usage());
            ps.setString(17, run.runId());
            ps.setLong(18, expectedLastSequence);
            if (ps.executeUpdate() != 1) {
                throw new ConcurrentAppendException("run " + run.runId() + " no longer has last sequence "
                        + expectedLastSequence + ": another writer appended to it");
            }
        }
    }

    private static void setUsage(PreparedStatement ps, int first, Usage u) throws SQLException {
        ps.setLong(first, u.inputTokens());
        ps.setLong(first + 1, u.cachedInputTokens());
        ps.setLong(first + 2, u.outputTokens());
        ps.setLong(first + 3, u.reasoningTokens());
        ps.setLong(first + 4, u.costMicros());
        ps.setBoolean(first + 5, u.priced());
        ps.setLong(first + 6, u.cacheWriteTokens());
    }

    private static List<RunRecord> all(PreparedStatement ps) throws SQLException {
        List<RunRecord> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String reason = rs.getString(8);
                String key = rs.getString(6);
                rows.add(new RunRecord(rs.getString(1), rs.getString(2), rs.getString(3).trim(), rs.getString(4),
                        rs.getString(5), key == null ? "" : key, RunStatus.valueOf(rs.getString(7)),
                        reason == null ? null : TerminalReason.valueOf(reason), rs.getString(9), rs.getString(10),
                        Database.fromDb(rs.getObject(11, OffsetDateTime.class)),
                        Database.fromDb(rs.getObject(12, OffsetDateTime.class)),
                        Database.fromDb(rs.getObject(13, OffsetDateTime.class)), rs.getInt(14), rs.getLong(15),
                        rs.getString(16).trim(), new Usage(rs.getLong(17), rs.getLong(18), rs.getLong(19),
                        rs.getLong(20), rs.getLong(21), rs.getBoolean(22), rs.getLong(23))));
            }
        }
        return rows;
    }
}
