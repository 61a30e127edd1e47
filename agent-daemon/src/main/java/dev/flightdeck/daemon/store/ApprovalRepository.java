package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.approval.ApprovalDecision;
import dev.flightdeck.daemon.approval.ApprovalKind;
import dev.flightdeck.daemon.approval.ApprovalQuery;
import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.daemon.approval.ApprovalState;
import dev.flightdeck.daemon.approval.ApprovalWrite;
import dev.flightdeck.daemon.bundle.ToolPolicy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Approval rows. Written only through {@link RunEventRepository#append}, in the transaction of the
 * run event that causes the change; read here.
 */
public final class ApprovalRepository {
    private static final String COLUMNS = "approval_id, run_id, tenant, bundle_name, bundle_version, step, call_id, "
            + "tool_name, arguments_json, policy, reason, kind, state, created_at, decision, reviewer, decision_reason, "
            + "decided_at, edited_arguments_json, manual_result_json, request_id, parameters_json, seq";
    private final Database db;

    public ApprovalRepository(Database db) {
        this.db = db;
    }

    /** An approval with its listing position ({@code seq}). */
    public record Row(ApprovalRecord approval, long seq) {
    }

    public Optional<ApprovalRecord> find(String approvalId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM approvals WHERE approval_id = ?")) {
                ps.setString(1, approvalId);
                List<Row> rows = all(ps);
                return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0).approval());
            }
        });
    }

    /** Approvals matching the query, newest first. */
    public List<Row> list(ApprovalQuery q) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM approvals WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.state() != null) {
            sql.append(" AND state = ?");
            args.add(q.state().name());
        }
        if (!q.runId().isEmpty()) {
            sql.append(" AND run_id = ?");
            args.add(q.runId());
        }
        if (!q.tenant().isEmpty()) {
            sql.append(" AND tenant = ?");
            args.add(q.tenant());
        }
        if (q.beforeSeq() > 0) {
            sql.append(" AND seq < ?");
            args.add(q.beforeSeq());
        }
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(q.limit());
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                Database.bindAll(ps, args);
                return all(ps);
            }
        });
    }

    /** The pending approvals of a run. */
    public List<ApprovalRecord> pendingOf(String runId) {
        return list(new ApprovalQuery(ApprovalState.PENDING, runId, "", 0, 1000)).stream().map(Row::approval).toList();
    }

    /** Applies {@code write} inside the caller's transaction. */
    static void apply(Connection c, ApprovalWrite write) throws SQLException {
        if (write instanceof ApprovalWrite.Insert i) {
            insert(c, i.approval());
        } else if (write instanceof ApprovalWrite.Decide d) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE approvals SET state = 'DECIDED', decision = ?, "
                    + "reviewer = ?, decision_reason = ?, decided_at = ?, edited_arguments_json = ?, manual_result_json = ?, "
                    + "request_id = ? WHERE approval_id = ? AND state = 'PENDING'")) {
                ps.setString(1, d.decision().name());
                ps.setString(2, d.reviewer());
                ps.setString(3, d.reason());
                ps.setObject(4, Database.toDb(d.decidedAt()));
                ps.setString(5, d.editedArgumentsJson());
                ps.setString(6, d.manualResultJson());
                ps.setString(7, d.requestId());
                ps.setString(8, d.approvalId());
                if (ps.executeUpdate() != 1) {
                    throw new ConcurrentAppendException("approval " + d.approvalId() + " is no longer pending");
                }
            }
        } else if (write instanceof ApprovalWrite.CloseOpen o) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE approvals SET state = 'CLOSED', decision_reason = ?, "
                    + "decided_at = ? WHERE run_id = ? AND state = 'PENDING'")) {
                ps.setString(1, o.reason());
                ps.setObject(2, Database.toDb(o.closedAt()));
                ps.setString(3, o.runId());
                ps.executeUpdate();
            }
        } else {
            throw new IllegalArgumentException("unknown approval write " + write);
        }
    }

    private static void insert(Connection c, ApprovalRecord a) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO approvals (approval_id, run_id, tenant, bundle_name, "
                + "bundle_version, step, call_id, tool_name, arguments_json, policy, reason, kind, state, created_at, "
                + "parameters_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, a.approvalId());
            ps.setString(2, a.runId());
            ps.setString(3, a.tenant());
            ps.setString(4, a.bundleName());
            ps.setString(5, a.bundleVersion());
            ps.setInt(6, a.step());
            ps.setString(7, a.callId());
            ps.setString(8, a.toolName());
            ps.setString(9, a.argumentsJson());
            ps.setString(10, a.policy().name());
            ps.setString(11, a.reason());
            ps.setString(12, a.kind().name());
            ps.setString(13, a.state().name());
            ps.setObject(14, Database.toDb(a.createdAt()));
            ps.setString(15, a.parametersJson());
            ps.executeUpdate();
        }
    }

    private static List<Row> all(PreparedStatement ps) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String decision = rs.getString(15);
                rows.add(new Row(new ApprovalRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5).trim(), rs.getInt(6), rs.getString(7), rs.getString(8), rs.getString(9),
                        ToolPolicy.valueOf(rs.getString(10)), rs.getString(11), ApprovalKind.valueOf(rs.getString(12)),
                        ApprovalState.valueOf(rs.getString(13)),
                        Database.fromDb(rs.getObject(14, OffsetDateTime.class)),
                        decision == null ? null : ApprovalDecision.valueOf(decision), rs.getString(16), rs.getString(17),
                        Database.fromDb(rs.getObject(18, OffsetDateTime.class)), rs.getString(19), rs.getString(20),
                        rs.getString(21), rs.getString(22)), rs.getLong(23)));
            }
        }
        return rows;
    }
}
