package dev.flightdeck.daemon.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * The daemon's embedded H2 file database: a connection pool over {@code <db-dir>/flightdeck},
 * migrated by Flyway when opened, shut down explicitly when closed.
 *
 * <p>Durability comes from the {@link WriteJournal} in {@code <db-dir>/journal} (ADR 0009): each
 * write transaction is appended there before it commits, and replayed on the next open if H2 lost
 * it. Write transactions run one at a time, so the journal's order is the commit order and the
 * database after a crash is always a prefix of it.
 *
 * <p>The journal record is the commit point (ADR 0013): an H2 commit only changes H2's memory, and
 * H2 writes its file only at a checkpoint this class takes under the write lock, between two
 * transactions — so every state H2 can recover is a whole-transaction prefix of the journal, and
 * the journal keeps every transaction after the last checkpoint H2 has written.
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
    /** Write transactions waiting for the next group commit (a deferred one goes back to the head). */
    private final Deque<PendingWrite<?>> pending = new ConcurrentLinkedDeque<>();
    /**
     * The most a group's journal record may hold (upper bound of its encoded size): a record over
     * {@link JournalCodec#MAX_RECORD_BYTES} would read back as a torn tail and be cut off at
     * replay, with every transaction after it. A transaction that would push its group past this
     * waits for the next group; one that is over it alone fails with a clear error.
     */
    private long maxRecordBytes = JournalCodec.MAX_RECORD_BYTES - 64 * 1024;
    /** Checkpoints taken and the time they held the write lock (for the benchmarks). */
    private long checkpoints;
    private long checkpointNanosTotal;
    private long checkpointNanosMax;
    /** At most this many transactions share one commit, so one group never holds the lock for long. */
    private static final int MAX_GROUP = 256;
    private long lastTxid;
    /** How many journaled transactions open() had to replay (for tests). */
    private int replayedAtOpen;

    /**
     * A checkpoint is due after this many journaled transactions... (The system properties are
     * for tests that need a crash to find many transactions after the last checkpoint.)
     */
    static final long CHECKPOINT_EVERY_TXS = Long.getLong("flightdeck.db.checkpoint.txs", 2_000);
    /** ...or this long after the previous one, whichever comes first (bounds replay after a crash). */
    static final long CHECKPOINT_EVERY_NANOS =
            TimeUnit.MILLISECONDS.toNanos(Long.getLong("flightdeck.db.checkpoint.ms", 250));
    /**
     * H2's background writer thread is restarted this often, so its first wake-up (a tenth of
     * {@link #H2_WRITE_DELAY_MS}, about 2.5 days) never comes while the daemon runs.
     */
    static final long REARM_BACKGROUND_WRITER_NANOS = TimeUnit.HOURS.toNanos(1);
    /**
     * H2's write delay: as long as H2 allows (about 24 days), so H2 itself never decides to write
     * its file; checkpoints are ours. Two values so re-arming can switch between them (H2 ignores a
     * SET WRITE_DELAY to the value it already has).
     */
    static final int H2_WRITE_DELAY_MS = Integer.MAX_VALUE;

    /**
     * The size at which H2 splits a B-tree page (H2's default is 16 KB). H2 counts every change to
     * a page as a copy of the whole page in its unsaved memory, so appending one event to
     * run_events counted about 35 KB with 16 KB pages and 16.5 KB with 4 KB pages; since
     * {@link #checkpointDue()} checkpoints at a quarter of H2's auto-commit memory, smaller pages
     * mean about a third as many checkpoints for the same commits, and about half the write-lock
     * time spent in them (docs/benchmarks.md, 2026-11-21). Read at every open, so it applies to
     * existing databases as well. The property ({@link #PAGE_SIZE_PROPERTY}) is for comparing
     * sizes in benchmarks; {@link #h2PageSize()} checks it.
     */
    static final int H2_PAGE_SIZE = 4096;
    static final String PAGE_SIZE_PROPERTY = "flightdeck.db.pageSize";
    /**
     * The page sizes the property may set: powers of two from 1 KB to 64 KB. H2 (2.5) takes any
     * int as its page split size and checks nothing for an unencrypted file (only a multiple of
     * 4096 for an encrypted one), so a typo would reach the database unnoticed: 0 or a negative
     * size splits every page, and H2 silently caps a large one at a sixteenth of a cache
     * segment. This range holds H2's default (16 KB) and every size the benchmarks compared.
     */
    static final int MIN_PAGE_SIZE = 1024;
    static final int MAX_PAGE_SIZE = 64 * 1024;

    /**
     * The last transaction in H2's file: its checkpoint's chunk has been written. Guarded by the
     * write lock, like the three fields after it.
     */
    private long checkpointedTxid;
    /**
     * Checkpoints as before ADR 0018: H2 serializes and writes its chunk in the committing thread,
     * under the write lock. Only for comparing the two in benchmarks.
     */
    static final boolean CHECKPOINT_INLINE = Boolean.getBoolean("flightdeck.db.checkpoint.inline");

    /** The last transaction in a checkpoint taken, whose chunk H2 may still be writing. */
    private long snapshotTxid;
    /** The H2 version of the newest checkpoint whose chunk is not known written yet; -1: none. */
    private long unconfirmedVersion = -1;
    private long unconfirmedTxid;
    private long lastCheckpointNanos = System.nanoTime();
    private long lastRearmNanos = System.nanoTime();
    private boolean writeDelayToggle;
    /**
     * H2's store (see {@link #h2StoreOf}): read for its unsaved-memory figure, and checkpoints
     * take its snapshot through it.
     */
    private final MVStore h2Store;
    /** Checkpoints when no writer does (an idle daemon still gets its last commits into H2's file). */
    private final ScheduledExecutorService checkpointer;
    /**
     * Told how long each write transaction took, from {@link #inTransaction} being called until its
     * commit returned (waiting for the write lock and its group included); null, the default,
     * measures nothing. For the benchmarks' commit latency through the whole engine.
     */
    private volatile LongConsumer commitLatencyObserver;

    private Database(HikariDataSource pool, WriteJournal journal, long lastTxid, MVStore h2Store) {
        this.pool = pool;
        this.journal = journal;
        this.lastTxid = lastTxid;
        this.checkpointedTxid = lastTxid; // open() checkpointed after replay
        this.snapshotTxid = lastTxid;
        this.h2Store = h2Store;
        this.checkpointer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flightdeck-db-checkpoint");
            t.setDaemon(true);
            return t;
        });
        checkpointer.scheduleWithFixedDelay(this::checkpointIfIdle, CHECKPOINT_EVERY_NANOS, CHECKPOINT_EVERY_NANOS,
                TimeUnit.NANOSECONDS);
    }

    /**
     * The JDBC URL, with every option in one place (ADR 0013):
     * WRITE_DELAY as long as H2 allows, so an H2 commit does not write H2's file (with
     * WRITE_DELAY=0 every commit wrote a new MVStore chunk, which was most of a commit's CPU) and
     * H2's background writer never gets to write on its own timer: H2 writes only at
     * {@link #checkpoint()}, under the write lock, between transactions. (With the default
     * 500 ms the background writer ran concurrently with commits and the crash test saw H2
     * recover half of a transaction.) AUTO_COMPACT_FILL_RATE=0: the background thread's
     * housekeeping would rewrite chunks — a store — at a moment we do not control; this turns
     * that off. DB_CLOSE_ON_EXIT=FALSE because {@link #close()} runs SHUTDOWN itself, after the
     * daemon has drained, rather than from H2's own shutdown hook racing ours. PAGE_SIZE: see
     * {@link #H2_PAGE_SIZE}.
     */
    static String jdbcUrl(Path dbDir) {
        return "jdbc:h2:file:" + dbDir.toAbsolutePath().resolve("flightdeck") + ";WRITE_DELAY=" + H2_WRITE_DELAY_MS
                + ";AUTO_COMPACT_FILL_RATE=0;DB_CLOSE_ON_EXIT=FALSE;PAGE_SIZE=" + h2PageSize();
    }

    /**
     * {@link #H2_PAGE_SIZE}, or the size the system property {@link #PAGE_SIZE_PROPERTY} sets.
     *
     * @throws StoreException naming the property, its value and the sizes allowed, when the value
     *                        is not a power of two from {@link #MIN_PAGE_SIZE} to {@link #MAX_PAGE_SIZE}
     */
    static int h2PageSize() {
        String value = System.getProperty(PAGE_SIZE_PROPERTY);
        if (value == null) {
            return H2_PAGE_SIZE;
        }
        int size;
        try {
            size = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size < MIN_PAGE_SIZE || size > MAX_PAGE_SIZE || Integer.bitCount(size) != 1) {
            throw new StoreException("system property " + PAGE_SIZE_PROPERTY + ": must be a power of two from "
                    + MIN_PAGE_SIZE + " to " + MAX_PAGE_SIZE + " (bytes per H2 page), got \"" + value + "\"; unset, it is "
                    + H2_PAGE_SIZE);
        }
        return size;
    }

    /**
     * Opens (creating if needed) the database in {@code dbDir}: replays the journaled transactions
     * the database lost in a crash, then migrates it to the latest schema.
     */
    public static Database open(Path dbDir) {
        h2PageSize(); // a bad setting fails here, before anything is created or opened
        try {
            Files.createDirectories(dbDir);
        } catch (IOException e) {
            throw new StoreException("cannot create database directory " + dbDir + ": " + e.getMessage(), e);
        }
        HikariDataSource pool = newPool(dbDir);
        WriteJournal journal = null;
        try {
            Flyway flyway = Flyway.configure().dataSource(pool).locations("classpath:db/migration").load();
            // Before anything is changed, the journal's replay included: a newer daemon's
            // transactions are for a schema this one does not know.
            refuseNewerSchema(flyway, dbDir);
            long applied = appliedTxid(pool);
            WriteJournal.Opened opened = WriteJournal.open(dbDir.resolve("journal"), JOURNAL_SEGMENT_BYTES,
                    JOURNAL_KEEP, Math.max(applied, 0));
            journal = opened.journal();
            if (applied < 0 && !opened.records().isEmpty()) {
                throw new StoreException("the write journal in " + dbDir.resolve("journal")
                        + " holds transactions but the database has no journal state; was the database file replaced?");
            }
            int replayed = 0;
            if (applied >= 0) {
                List<JournalRecord> missing = opened.committedAfter(applied);
                replayed = missing.size();
                applied = replay(pool, opened.journal(), missing, applied, dbDir);
            }
            int migrated = flyway.migrate().migrationsExecuted;
            if (migrated > 0) {
                // Migrations are not journaled: a clean SHUTDOWN writes them out before anything
                // depends on them. COMPACT, because a migration that rewrites a table (V6 rewrote
                // run_events several times over) leaves the file many times its live size and H2
                // never shrinks it by itself here (AUTO_COMPACT_FILL_RATE=0): 100,000 events made
                // a 159 MB file 1,146 MB.
                shutdown(pool, true);
                pool.close();
                pool = newPool(dbDir);
            }
            long last = Math.max(journal.lastTxid(), appliedTxid(pool));
            // Replayed transactions are in H2's memory only: write them into its file now.
            runCheckpoint(pool);
            journal.checkpointed(appliedTxid(pool));
            LOG.info("database ready in {} (journal at transaction {})", dbDir, last);
            Database db = new Database(pool, journal, last, h2StoreOf(pool));
            db.replayedAtOpen = replayed;
            return db;
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

    /**
     * Refuses a database a newer daemon migrated past the migrations this one has. Flyway would
     * go on (it ignores "future" migrations by default), and this daemon would then read and
     * write a schema it does not know: e.g. since V6 a long event text is in a column a V5
     * daemon never reads. Nothing is changed before this check.
     */
    private static void refuseNewerSchema(Flyway flyway, Path dbDir) {
        MigrationInfoService info = flyway.info();
        boolean future = Arrays.stream(info.applied()).anyMatch(m -> m.getState() == MigrationState.FUTURE_SUCCESS
                || m.getState() == MigrationState.FUTURE_FAILED);
        if (!future) {
            return;
        }
        String known = Arrays.stream(info.all()).filter(m -> m.getState().isResolved() && m.getVersion() != null)
                .map(MigrationInfo::getVersion).max(Comparator.naturalOrder()).map(Object::toString).orElse("none");
        throw new StoreException("the database in " + dbDir + " has schema version " + info.current().getVersion()
                + ", written by a newer flightdeck daemon; this one knows schema versions up to " + known
                + ". Start the newer version on it (a data directory cannot go back to an older daemon)");
    }

    /**
     * H2's MVStore behind the pool, through H2's own (public, but internal) engine classes. Needed
     * for one figure H2 has no SQL for: its unsaved memory. Past its auto-commit memory (up to
     * 19 MB, fixed by H2) H2 writes its file from inside the next write — possibly in the middle
     * of a commit, which is the half-transaction state the journal cannot repair — so
     * {@link #checkpointDue()} checkpoints long before that.
     */
    private static MVStore h2StoreOf(HikariDataSource pool) {
        try (Connection c = pool.getConnection()) {
            SessionLocal session = (SessionLocal) c.unwrap(JdbcConnection.class).getSession();
            return session.getDatabase().getStore().getMvStore();
        } catch (SQLException e) {
            throw translate(e);
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
    private static long replay(HikariDataSource pool, WriteJournal journal, List<JournalRecord> missing,
                               long applied, Path dbDir) {
        long first = journal.firstTxid();
        if (first > applied + 1) {
            LOG.error("the database in {} holds transactions up to {} but the write journal starts at {}: "
                    + "transactions {}..{} are lost", dbDir, applied, first, applied + 1, first - 1);
        }
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
        LongConsumer observer = commitLatencyObserver;
        long start = observer == null ? 0 : System.nanoTime();
        PendingWrite<T> mine = new PendingWrite<>(work);
        pending.add(mine);
        writeLock.lock();
        try {
            while (!mine.isDone()) {
                if (checkpointDue()) {
                    checkpoint();
                }
                commitGroup();
            }
        } finally {
            writeLock.unlock();
        }
        if (observer != null) {
            observer.accept(System.nanoTime() - start);
        }
        return mine.outcome();
    }

    /**
     * Tells {@code observer} (null: nobody) the latency in nanoseconds of every write transaction
     * from now on, on the committing thread, so it must be quick. Benchmarks use it.
     */
    public void observeCommitLatency(LongConsumer observer) {
        this.commitLatencyObserver = observer;
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
        List<PendingWrite<?>> deferred = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            List<JournaledStatement> writes = new ArrayList<>();
            long recordBytes = 0;
            try {
                // A savepoint per work lets one that fails be undone alone; a work alone in its
                // group needs none (undoing it is rolling the transaction back), which spares
                // H2 parsing a SAVEPOINT statement on every commit of a lone writer.
                boolean alone = group.size() == 1;
                for (PendingWrite<?> p : group) {
                    Savepoint before = alone ? null : c.setSavepoint();
                    RecordingConnection recorder = new RecordingConnection();
                    try {
                        p.run(recorder.wrap(c));
                        List<JournaledStatement> mine = recorder.writes();
                        long bytes = JournalCodec.maxEncodedBytes(mine);
                        if (bytes > maxRecordBytes) {
                            undo(c, before);
                            p.fail(new TransactionTooLargeException("a write transaction of up to " + bytes + " bytes is larger than "
                                    + "the write journal's record limit of " + maxRecordBytes + " bytes; nothing was written"));
                        } else if (recordBytes + bytes > maxRecordBytes) {
                            undo(c, before);
                            deferred.add(p); // into the next group, as the first
                        } else {
                            writes.addAll(mine);
                            recordBytes += bytes;
                            succeeded.add(p);
                        }
                    } catch (SQLException | RuntimeException e) {
                        undo(c, before);
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
        for (int i = deferred.size() - 1; i >= 0; i--) {
            if (!deferred.get(i).isDone()) {
                pending.addFirst(deferred.get(i));
            }
        }
    }

    /** Undoes one work of a group: back to its savepoint, or all of the transaction when it has none. */
    private static void undo(Connection c, Savepoint before) throws SQLException {
        if (before == null) {
            c.rollback();
        } else {
            c.rollback(before);
        }
    }

    /**
     * Whether H2 should write its file before the next group: enough transactions or time since
     * the last checkpoint, or H2's unsaved memory at a quarter of the point where H2 would write
     * by itself in the middle of a transaction (one group adds far less than the other three
     * quarters). Holds the write lock.
     */
    private boolean checkpointDue() {
        confirmCheckpoint();
        if (lastTxid == snapshotTxid) {
            return false;
        }
        return lastTxid - snapshotTxid >= CHECKPOINT_EVERY_TXS
                || System.nanoTime() - lastCheckpointNanos >= CHECKPOINT_EVERY_NANOS
                || (long) h2Store.getUnsavedMemory() * 4 > h2Store.getAutoCommitMemory();
    }

    /**
     * Has H2 write its state — the state after transaction {@link #lastTxid}, no transaction
     * open — into its file, then lets the journal drop what that covers once it is written. Holds
     * the write lock, so no commit is half applied in the state H2 stores.
     *
     * <p>Only H2's snapshot of that state is taken here: {@code MVStore.tryCommit()} starts a new
     * version and collects the changed roots, and H2's serialization and save threads write the
     * chunk while the next groups commit (copy-on-write pages: later commits change copies, never
     * the snapshot). Serializing the chunk under the lock held every commit for 5–11 ms with 100
     * runs writing (docs/benchmarks.md); the snapshot takes well under one. The journal is told
     * only when H2 has written the chunk ({@link #confirmCheckpoint()}). A crash before that
     * leaves H2 at its previous checkpoint (or older), which the journal still covers.
     */
    private void checkpoint() {
        long txid = lastTxid;
        long start = System.nanoTime();
        try {
            long version = CHECKPOINT_INLINE ? -1 : h2Store.tryCommit();
            if (version < 0) {
                // Asked to, or H2 did not take the snapshot (another store under way): store here.
                runCheckpoint(pool);
                if (unconfirmedVersion < 0) {
                    markCheckpointed(txid);
                } else {
                    // A store that found nothing new returns without waiting for the earlier
                    // snapshot's chunk: txid is in the file once that chunk (or a newer one) is.
                    unconfirmedTxid = txid;
                }
            } else {
                unconfirmedVersion = version;
                unconfirmedTxid = txid;
            }
        } catch (RuntimeException e) {
            // Not fatal: the journal still holds everything after the last good checkpoint.
            LOG.warn("H2 checkpoint failed (the write journal keeps the transactions): {}", e.getMessage());
            return;
        } finally {
            lastCheckpointNanos = System.nanoTime();
            long took = lastCheckpointNanos - start;
            checkpoints++;
            checkpointNanosTotal += took;
            checkpointNanosMax = Math.max(checkpointNanosMax, took);
        }
        snapshotTxid = txid;
        confirmCheckpoint();
        try {
            rearmBackgroundWriterIfDue();
        } catch (RuntimeException e) {
            // Apart from the checkpoint, so a failure here never holds back journal clean-up.
            LOG.warn("restarting H2's background writer failed: {}", e.getMessage());
        }
    }

    /**
     * Once H2 has written the chunk of the newest checkpoint taken (chunks are written in order,
     * so that covers the older ones), its transactions are in H2's file. Holds the write lock.
     */
    private void confirmCheckpoint() {
        if (unconfirmedVersion >= 0 && h2Store.getFileStore().lastChunkVersion() >= unconfirmedVersion) {
            unconfirmedVersion = -1;
            markCheckpointed(unconfirmedTxid);
        }
    }

    private void markCheckpointed(long txid) {
        checkpointedTxid = Math.max(checkpointedTxid, txid);
        journal.checkpointed(txid);
    }

    /** The checkpointer thread's turn: only when nothing is writing and something is unwritten. */
    private void checkpointIfIdle() {
        if (!writeLock.tryLock()) {
            return;
        }
        try {
            if (!pool.isClosed()) {
                confirmCheckpoint();
            }
            if (!pool.isClosed() && lastTxid != snapshotTxid
                    && System.nanoTime() - lastCheckpointNanos >= CHECKPOINT_EVERY_NANOS) {
                checkpoint();
            } else if (!pool.isClosed()) {
                rearmBackgroundWriterIfDue();
            }
        } catch (RuntimeException e) {
            LOG.warn("idle H2 checkpoint: {}", e.getMessage());
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * H2 starts its background writer with any non-zero write delay; it first wakes after a tenth
     * of the delay and may then write or compact concurrently with a commit. Changing the delay
     * restarts that thread and its timer, so doing it hourly means it never wakes at all.
     */
    private void rearmBackgroundWriterIfDue() {
        if (System.nanoTime() - lastRearmNanos < REARM_BACKGROUND_WRITER_NANOS) {
            return;
        }
        writeDelayToggle = !writeDelayToggle;
        int delay = writeDelayToggle ? H2_WRITE_DELAY_MS - 1 : H2_WRITE_DELAY_MS;
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET WRITE_DELAY " + delay);
        } catch (SQLException e) {
            throw translate(e);
        }
        lastRearmNanos = System.nanoTime();
    }

    private static void runCheckpoint(HikariDataSource pool) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** How many journaled transactions H2 had lost and open() replayed (for tests). */
    int replayedAtOpen() {
        return replayedAtOpen;
    }

    /** The last journaled transaction (for tests). */
    long lastTxid() {
        writeLock.lock();
        try {
            return lastTxid;
        } finally {
            writeLock.unlock();
        }
    }

    /** Checkpoints so far and how long they held the write lock (the commit pause they cause). */
    public record CheckpointStats(long count, double totalMs, double maxMs) {
    }

    /** The checkpoints since open or the last call, for the benchmarks; resets the figures. */
    public CheckpointStats takeCheckpointStats() {
        writeLock.lock();
        try {
            CheckpointStats stats = new CheckpointStats(checkpoints, checkpointNanosTotal / 1e6, checkpointNanosMax / 1e6);
            checkpoints = 0;
            checkpointNanosTotal = 0;
            checkpointNanosMax = 0;
            return stats;
        } finally {
            writeLock.unlock();
        }
    }

    /** Lowers the journal record limit, so tests can reach it with small transactions. */
    void limitRecordBytesForTests(long bytes) {
        writeLock.lock();
        try {
            maxRecordBytes = bytes;
        } finally {
            writeLock.unlock();
        }
    }

    /** The last transaction in a checkpoint taken, written or not (for tests). */
    long snapshotTxid() {
        writeLock.lock();
        try {
            return snapshotTxid;
        } finally {
            writeLock.unlock();
        }
    }

    /** H2's store (for tests that hold up its writing threads). */
    MVStore h2Store() {
        return h2Store;
    }

    /** The last transaction H2 has in its file, as of the last checkpoint written (for tests). */
    long checkpointedTxid() {
        writeLock.lock();
        try {
            confirmCheckpoint();
            return checkpointedTxid;
        } finally {
            writeLock.unlock();
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
        checkpointer.shutdownNow();
        writeLock.lock();
        try {
            shutdown(pool, false);
        } finally {
            pool.close();
            journal.close();
            writeLock.unlock();
        }
    }

    /** SHUTDOWN, or SHUTDOWN COMPACT (H2 rewrites its file to the live data only, which takes longer). */
    private static void shutdown(HikariDataSource pool, boolean compact) {
        boolean shutDown = false;
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute(compact ? "SHUTDOWN COMPACT" : "SHUTDOWN");
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
