package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.approval.ApprovalWrite;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** The append-only run event log. */
public final class RunEventRepository {
    /**
     * The longest event text (payload or canonical JSON, in UTF-16 units as H2 counts them) kept
     * in the row; longer text goes to a LOB column. Matches {@code CHARACTER VARYING(1000000)} in V6.
     */
    public static final int INLINE_MAX_CHARS = 1_000_000;

    private final Database db;

    public RunEventRepository(Database db) {
        this.db = db;
    }

    /**
     * Appends {@code event} and writes {@code updatedRun}'s projection in ONE transaction, so the
     * run row never disagrees with its log. Fails with {@link ConcurrentAppendException} unless
     * the run's stored last sequence is {@code event.sequence() - 1}.
     */
    public void append(RunEventRecord event, RunRecord updatedRun) {
        append(event, updatedRun, List.of());
    }

    /**
     * Appends {@code event}, writes {@code updatedRun} and applies {@code approvalWrites} in ONE
     * transaction: an approval and its decision are never out of step with the run's history.
     */
    public void append(RunEventRecord event, RunRecord updatedRun, List<ApprovalWrite> approvalWrites) {
        append(event, updatedRun, approvalWrites, null);
    }

    /**
     * As {@link #append(RunEventRecord, RunRecord, List)}, and inserts {@code modelCall} (may be
     * null), the accounting row of a {@code model_responded} event, in the same transaction.
     */
    public void append(RunEventRecord event, RunRecord updatedRun, List<ApprovalWrite> approvalWrites,
                       ModelCall modelCall) {
        appendAll(List.of(event), updatedRun, approvalWrites, modelCall == null ? List.of() : List.of(modelCall));
    }

    /**
     * Appends consecutive {@code events} of one run, writes {@code updatedRun} (the row after the
     * last of them), applies {@code approvalWrites} and inserts {@code modelCalls}, all in ONE
     * transaction. Fails with {@link ConcurrentAppendException} unless the run's stored last
     * sequence is the first event's sequence - 1.
     */
    public void appendAll(List<RunEventRecord> events, RunRecord updatedRun, List<ApprovalWrite> approvalWrites,
                          List<ModelCall> modelCalls) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("no events to append to run " + updatedRun.runId());
        }
        db.inTransaction(c -> {
            RunRepository.updateProjection(c, updatedRun, events.get(0).sequence() - 1);
            for (RunEventRecord event : events) {
                insert(c, event);
            }
            for (ApprovalWrite w : approvalWrites) {
                ApprovalRepository.apply(c, w);
            }
            for (ModelCall call : modelCalls) {
                CostRepository.insert(c, call);
            }
            return null;
        });
    }

    /**
     * Each text goes in its inline column when it fits ({@link #INLINE_MAX_CHARS}), else in its
     * LOB column (schema V6); the SQL names the column, so the journal replays either shape as is.
     */
    private static void insert(Connection c, RunEventRecord event) throws SQLException {
        String sql = "INSERT INTO run_events (run_id, sequence, step, occurred_at, type, "
                + textColumn(event.payloadJson(), "payload") + ", " + textColumn(event.canonicalJson(), "canonical")
                + ", prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, event.runId());
            ps.setLong(2, event.sequence());
            ps.setInt(3, event.step());
            ps.setObject(4, Database.toDb(event.occurredAt()));
            ps.setString(5, event.type());
            ps.setString(6, event.payloadJson());
            ps.setString(7, event.canonicalJson());
            ps.setString(8, event.prevHash());
            ps.setString(9, event.hash());
            ps.executeUpdate();
        }
    }

    private static String textColumn(String text, String prefix) {
        return prefix + (text.length() <= INLINE_MAX_CHARS ? "_json" : "_lob");
    }

    /** The columns {@link #event} reads, in its order. */
    private static final String EVENT_COLUMNS = "run_id, sequence, step, occurred_at, type, payload_json, payload_lob, "
            + "canonical_json, canonical_lob, prev_hash, hash";

    /** Up to {@code limit} events with sequence greater than {@code afterSequence}, in order. */
    public List<RunEventRecord> readAfter(String runId, long afterSequence, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + EVENT_COLUMNS
                    + " FROM run_events WHERE run_id = ? AND sequence > ? ORDER BY sequence LIMIT ?")) {
                ps.setString(1, runId);
                ps.setLong(2, afterSequence);
                ps.setInt(3, limit);
                List<RunEventRecord> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(event(rs));
                    }
                }
                return rows;
            }
        });
    }

    /** The text of the inline column {@code index} or, when that is NULL, of the LOB column after it. */
    private static String either(ResultSet rs, int index) throws SQLException {
        String inline = rs.getString(index);
        return inline != null ? inline : rs.getString(index + 1);
    }

    /** What rebuilding a run's state needs of one stored event. */
    public record StoredPayload(String runId, long sequence, String type, String payloadJson) {
    }

    /**
     * Hands {@code each} the payload of every event of these runs, in order within each run, one
     * row at a time, from one query: the scheduler rebuilds the states of runs picked up together
     * (e.g. a thousand resumed after a restart) without a query per run, without holding all their
     * events at once, and without reading their canonical JSON, which rebuilding does not need.
     */
    public void forEachPayload(Collection<String> runIds, Consumer<StoredPayload> each) {
        if (runIds.isEmpty()) {
            return;
        }
        db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT run_id, sequence, type, payload_json, payload_lob"
                    + " FROM run_events WHERE run_id IN (" + runIds.stream().map(x -> "?").collect(Collectors.joining(","))
                    + ") ORDER BY run_id, sequence")) {
                int i = 1;
                for (String id : runIds) {
                    ps.setString(i++, id);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        each.accept(new StoredPayload(rs.getString(1), rs.getLong(2), rs.getString(3), either(rs, 4)));
                    }
                }
                return null;
            }
        });
    }

    private static RunEventRecord event(ResultSet rs) throws SQLException {
        return new RunEventRecord(rs.getString(1), rs.getLong(2), rs.getInt(3),
                Database.fromDb(rs.getObject(4, OffsetDateTime.class)), rs.getString(5),
                either(rs, 6), either(rs, 8), rs.getString(10), rs.getString(11).trim());
    }

    /** Every event of a run, in order (for rebuilding its state). */
    public List<RunEventRecord> readAll(String runId) {
        List<RunEventRecord> all = new ArrayList<>();
        long after = 0;
        while (true) {
            List<RunEventRecord> page = readAfter(runId, after, 1000);
            all.addAll(page);
            if (page.size() < 1000) {
                return all;
            }
            after = page.get(page.size() - 1).sequence();
        }
    }
}
