package dev.flightdeck.daemon.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Bundle versions: insert-once, read by id, prefix, name; listings are keyset-paged. */
public final class BundleRepository {
    private static final String COLUMNS = "v.seq, v.version_id, v.name, v.description, v.source_yaml, "
            + "v.canonical_json, v.created_at";
    private final Database db;

    public BundleRepository(Database db) {
        this.db = db;
    }

    /**
     * Stores a version unless one with the same id exists.
     *
     * @return true when this call stored it
     */
    public boolean insertIfAbsent(String versionId, String name, String description, String sourceYaml,
                                  String canonicalJson, Instant createdAt) {
        try {
            return db.inTransaction(c -> {
                if (exists(c, versionId)) {
                    return false;
                }
                if (!nameExists(c, name)) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO bundles (name, created_at) VALUES (?, ?)")) {
                        ps.setString(1, name);
                        ps.setObject(2, Database.toDb(createdAt));
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO bundle_versions "
                        + "(version_id, name, description, source_yaml, canonical_json, created_at) VALUES (?,?,?,?,?,?)")) {
                    ps.setString(1, versionId);
                    ps.setString(2, name);
                    ps.setString(3, description);
                    ps.setString(4, sourceYaml);
                    ps.setString(5, canonicalJson);
                    ps.setObject(6, Database.toDb(createdAt));
                    ps.executeUpdate();
                }
                return true;
            });
        } catch (DuplicateKeyException e) {
            return false; // a concurrent push of the same content won the race: same id, same content
        }
    }

    public Optional<StoredBundle> findByVersionId(String versionId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM bundle_versions v WHERE v.version_id = ?")) {
                ps.setString(1, versionId);
                return first(ps);
            }
        });
    }

    /** Versions of {@code name} whose id starts with {@code prefix} (at most 2, enough to detect ambiguity). */
    public List<StoredBundle> findByPrefix(String name, String prefix) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM bundle_versions v "
                    + "WHERE v.name = ? AND v.version_id LIKE ? ORDER BY v.seq DESC LIMIT 2")) {
                ps.setString(1, name);
                ps.setString(2, prefix.replace("%", "").replace("_", "") + "%");
                return all(ps, false);
            }
        });
    }

    public Optional<StoredBundle> findLatest(String name) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM bundle_versions v "
                    + "WHERE v.name = ? ORDER BY v.seq DESC LIMIT 1")) {
                ps.setString(1, name);
                return first(ps);
            }
        });
    }

    public boolean nameExists(String name) {
        return db.read(c -> nameExists(c, name));
    }

    private static boolean nameExists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM bundles WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The latest version of each name, by name, with names after {@code afterName} ("" = from the start). */
    public List<StoredBundle> listLatestPerName(String afterName, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", "
                    + "(SELECT COUNT(*) FROM bundle_versions w WHERE w.name = v.name) AS version_count "
                    + "FROM bundle_versions v WHERE v.seq = (SELECT MAX(x.seq) FROM bundle_versions x WHERE x.name = v.name) "
                    + "AND v.name > ? ORDER BY v.name LIMIT ?")) {
                ps.setString(1, afterName);
                ps.setInt(2, limit);
                return all(ps, true);
            }
        });
    }

    /** Versions of {@code name}, newest first, stored before {@code beforeSeq} (0 = from the newest). */
    public List<StoredBundle> listVersions(String name, long beforeSeq, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM bundle_versions v "
                    + "WHERE v.name = ? AND (? = 0 OR v.seq < ?) ORDER BY v.seq DESC LIMIT ?")) {
                ps.setString(1, name);
                ps.setLong(2, beforeSeq);
                ps.setLong(3, beforeSeq);
                ps.setInt(4, limit);
                return all(ps, false);
            }
        });
    }

    private static boolean exists(Connection c, String versionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM bundle_versions WHERE version_id = ?")) {
            ps.setString(1, versionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Optional<StoredBundle> first(PreparedStatement ps) throws SQLException {
        List<StoredBundle> rows = all(ps, false);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private static List<StoredBundle> all(PreparedStatement ps, boolean withCount) throws SQLException {
        List<StoredBundle> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(new StoredBundle(rs.getLong(1), rs.getString(2).trim(), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), Database.fromDb(rs.getObject(7, OffsetDateTime.class)),
                        withCount ? rs.getInt(8) : 0));
            }
        }
        return rows;
    }
}
