package dev.flightdeck.daemon.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's embedded H2 file database: a connection pool over {@code <db-dir>/flightdeck},
 * migrated by Flyway when opened, shut down explicitly when closed.
 *
 * <p>Durability comes from the {@link WriteJournal} in {@code <db-dir>/journal} (ADR 0009): each
 * write transaction is appended there before it commits, and replayed on the next open if H2 lost
 * it. Write transactions run one at a time, so the journal's order is the commit order and the
 * database after a crash is always a prefix of it.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** H2 "database may be already in use". */
    private static final int H2_DATABASE_ALREADY_OPEN = 90020;
    /** H2 unique index or primary key violation. */
    private static final int H2_DUPLICATE_KEY = 23505;

    /** A journal segment is closed after this many bytes. */
    static final long JOURNAL_SEGMENT_BYTES = 32L * 1024 * 1024;
    /**
     * Journal segments are kept at least this long (and the newest two always): far longer than
     * H2 ever needs to get a commit into its file, so a crash never finds a lost transaction the
     * journal no longer holds.
     */
    static final Duration JOURNAL_KEEP = Duration.ofMinutes(10);
    private static final String MARK_APPLIED = "UPDATE journal_state SET last_txid = ? WHERE id = 1";

    private final HikariDataSource pool;
    private final WriteJournal journal;
    /** One write transaction at a time: the journal's order must be the commit order. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Write transactions waiting for the next group commit. */
    private final Queue<PendingWrite<?>> pending = new ConcurrentLinkedQueue<>();
    /** At most this many transactions share one commit, so one group never holds the lock for long. */
    private static final int MAX_GROUP = 256;
    private long lastTxid;

    private Database(HikariDataSource pool, WriteJournal journal, long lastTxid) {
        this.pool = pool;
        this.journal = journal;
        this.lastTxid = lastTxid;
    }

    /**
     * The JDBC URL, with every option in one place:
     * WRITE_DELAY=0 so H2 stores each commit into its file as the commit returns. With write
     * transactions serialized, every state H2 stores is the state after one whole transaction,
     * so whatever older state its crash recovery falls back to is a prefix of the journal. (With
     * a background writer, WRITE_DELAY &gt; 0, the crash test saw H2 recover half of a transaction:
     * an INSERT kept, the UPDATE beside it lost.) DB_CLOSE_ON_EXIT=FALSE because {@link #close()}
     * runs SHUTDOWN itself, after the daemon has drained, rather than from H2's own shutdown hook
     * racing ours.
     */
    static String jdbcUrl(Path dbDir) {
        return "jdbc:h2:file:" + dbDir.toAbsolutePath().resolve("flightdeck") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
    }

    /**
     * Opens (creating if needed) the database in {@code dbDir}: replays the journaled transactions
     * the database lost in a crash, then migrates it to the latest schema.
     */
    public static Database open(Path dbDir) {
        try {
            Files.createDirectories(dbDir);
        } catch (IOException e) {
            throw new StoreException("cannot create database directory " + dbDir + ": " + e.getMessage(), e);
        }
        HikariDataSource pool = newPool(dbDir);
        WriteJournal journal = null;
        try {
            long applied = appliedTxid(pool);
            WriteJournal.Opened opened = WriteJournal.open(dbDir.resolve("journal"), JOURNAL_SEGMENT_BYTES,
                    JOURNAL_KEEP, Math.max(applied, 0));
            journal = opened.journal();
            if (applied < 0 && !opened.records().isEmpty()) {
                throw new StoreException("the write journal in " + dbDir.resolve("journal")
                        + " holds transactions but the database has no journal state; was the database file replaced?");
            }
            if (applied >= 0) {
                applied = replay(pool, opened, applied, dbDir);
            }
            int migrated = Flyway.configure().dataSource(pool).locations("classpath:db/migration").load()
                    .migrate().migrationsExecuted;
            if (migrated > 0) {
                // Migrations are not journaled: a clean SHUTDOWN writes them out before anything
                // depends on them.
                shutdown(pool);
                pool.close();
                pool = newPool(dbDir);
            }
            long last = Math.max(journal.lastTxid(), appliedTxid(pool));
            LOG.info("database ready in {} (journal at transaction {})", dbDir, last);
            return new Database(pool, journal, last);
        } catch (RuntimeException e) {
            pool.close();
            if (journal != null) {
                journal.close();
            }
            if (isAlreadyOpen(e)) {
                throw new StoreException("the database in " + dbDir + " is in use by another process", e);
            }
            if (e instanceof StoreException) {
                throw e;
            }
            throw new StoreException("cannot open or migrate the database in " + dbDir + ": " + e.getMessage(), e);
        }
    }

    private static HikariDataSource newPool(Path dbDir) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl(dbDir));
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(8);
        config.setPoolName("flightdeck-db");
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    /** The last journal transaction the database holds; -1 before the journal's migration ran. */
    private static long appliedTxid(HikariDataSource pool) {
        try (Connection c = pool.getConnection();
             PreparedStatement exists = c.prepareStatement(
                     "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'JOURNAL_STATE'")) {
            try (ResultSet rs = exists.executeQuery()) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    return -1;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT last_txid FROM journal_state WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** Re-applies the journal's transactions after {@code applied}; returns the new last one. */
    private static long replay(HikariDataSource pool, WriteJournal.Opened opened, long applied, Path dbDir) {
        long first = opened.journal().firstTxid();
        if (first > applied + 1) {
            LOG.error("the database in {} holds transactions up to {} but the write journal starts at {}: "
                    + "transactions {}..{} are lost", dbDir, applied, first, applied + 1, first - 1);
        }
        List<JournalRecord> missing = opened.committedAfter(applied);
        for (JournalRecord record : missing) {
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try {
                    for (JournaledStatement statement : record.statements()) {
                        RecordingConnection.replay(c, statement);
                    }
                    markApplied(c, record.txid());
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw new StoreException("cannot replay journal transaction " + record.txid() + " into "
                            + dbDir + ": " + e.getMessage(), e);
                }
            } catch (SQLException e) {
                throw translate(e);
            }
            applied = record.txid();
        }
        if (!missing.isEmpty()) {
            LOG.warn("replayed {} transaction(s) the database lost in a crash from the write journal "
                    + "(database had {}, now {})", missing.size(), missing.get(0).txid() - 1, applied);
        }
        return applied;
    }

    private static void markApplied(Connection c, long txid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MARK_APPLIED)) {
            ps.setLong(1, txid);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("journal_state row missing");
            }
        }
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
     * When it wrote anything, its writes are appended to the journal before the commit, so a
     * commit that returned survives the process being killed.
     *
     * <p>Group commit: works that arrive while another group is committing queue up, and the next
     * thread to get the write lock runs all of them in one H2 transaction — each inside its own
     * savepoint, so one that throws is rolled back alone — with one journal record and one commit.
     * Each caller returns only after that commit. The effect is the same as running the works one
     * after another; the cost of the commit is shared.
     */
    public <T> T inTransaction(SqlWork<T> work) {
        if (writeLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("nested write transaction: it would commit apart from its caller");
        }
        PendingWrite<T> mine = new PendingWrite<>(work);
        pending.add(mine);
        writeLock.lock();
        try {
            while (!mine.isDone()) {
                commitGroup();
            }
        } finally {
            writeLock.unlock();
        }
        return mine.outcome();
    }

    /** Write transactions queued for the next group commit (for tests). */
    int queuedWrites() {
        return pending.size();
    }

    /** Runs every queued work in one transaction and tells each its outcome. Holds the write lock. */
    private void commitGroup() {
        List<PendingWrite<?>> group = new ArrayList<>();
        for (PendingWrite<?> p; group.size() < MAX_GROUP && (p = pending.poll()) != null; ) {
            group.add(p);
        }
        List<PendingWrite<?>> succeeded = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            List<JournaledStatement> writes = new ArrayList<>();
            try {
                for (PendingWrite<?> p : group) {
                    Savepoint before = c.setSavepoint();
                    RecordingConnection recorder = new RecordingConnection();
                    try {
                        p.run(recorder.wrap(c));
                        writes.addAll(recorder.writes());
                        succeeded.add(p);
                    } catch (SQLException | RuntimeException e) {
                        c.rollback(before);
                        p.fail(e instanceof SQLException sql ? translate(sql) : (RuntimeException) e);
                    }
                }
                if (!writes.isEmpty()) {
                    long txid = lastTxid + 1;
                    markApplied(c, txid);
                    journal.append(JournalRecord.commit(txid, writes));
                    lastTxid = txid;
                    commitOrCancel(c, txid);
                } else {
                    c.commit();
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            succeeded.forEach(PendingWrite::succeed);
        } catch (SQLException | RuntimeException e) {
            RuntimeException failure = e instanceof SQLException sql ? translate(sql) : (RuntimeException) e;
            group.stream().filter(p -> !p.isDone()).forEach(p -> p.fail(failure));
        }
    }

    /** Commits; if that fails, tells the journal so replay skips the transaction. */
    private void commitOrCancel(Connection c, long txid) throws SQLException {
        try {
            c.commit();
        } catch (SQLException e) {
            journal.append(JournalRecord.abort(txid));
            throw e;
        }
    }

    /** Runs read-only {@code work} on a pooled connection. */
    public <T> T read(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** Shuts H2 down (flushing everything) and closes the pool and the journal. Idempotent. */
    @Override
    public void close() {
        if (pool.isClosed()) {
            return;
        }
        writeLock.lock();
        try {
            shutdown(pool);
        } finally {
            pool.close();
            journal.close();
            writeLock.unlock();
        }
    }

    private static void shutdown(HikariDataSource pool) {
        boolean shutDown = false;
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
            shutDown = true;
        } catch (SQLException e) {
            // After a successful SHUTDOWN, closing the statement and connection fails harmlessly.
            if (!shutDown) {
                LOG.warn("H2 SHUTDOWN failed: {}", e.getMessage());
            }
        }
    }

    static StoreException translate(SQLException e) {
        if (e.getErrorCode() == H2_DUPLICATE_KEY || "23505".equals(e.getSQLState())) {
            return new DuplicateKeyException(e.getMessage(), e);
        }
        return new StoreException("database error: " + e.getMessage(), e);
    }

    private static boolean isAlreadyOpen(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getErrorCode() == H2_DATABASE_ALREADY_OPEN) {
                return true;
            }
        }
        return false;
    }

    /** Binds {@code values} to the statement's parameters, in order. */
    static void bindAll(PreparedStatement ps, List<?> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setObject(i + 1, values.get(i));
        }
    }

    static OffsetDateTime toDb(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    static Instant fromDb(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }

}
