package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Write transactions that queue up behind a commit share the next one: one H2 transaction, one
 * journal record, one commit; a transaction that fails inside the group is rolled back alone
 * and only its caller sees the failure.
 */
class GroupCommitTest {
    @TempDir
    Path dir;

    private static Void insert(java.sql.Connection c, long id) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO items(id) VALUES (?)")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
        return null;
    }

    private static List<Long> ids(Database db, String table) {
        return db.read(c -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + table + " ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids;
        });
    }

    private static long appliedTxid(Database db) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT last_txid FROM journal_state"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Creates a table in a fresh database and keeps a copy of its file from before any other write. */
    private Path createTableKeepingACopy(String createTable) throws java.io.IOException {
        Path older = dir.resolveSibling(dir.getFileName() + "-older.mv.db");
        try (Database db = Database.open(dir)) {
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(createTable)) {
                    ps.executeUpdate();
                }
                return null;
            });
            db.close();
            Files.copy(dir.resolve("flightdeck.mv.db"), older, StandardCopyOption.REPLACE_EXISTING);
        }
        return older;
    }

    /** Runs {@code work} in a write transaction that keeps the write lock until {@code release}; returns once it holds it. */
    private static CompletableFuture<Void> holdingTheWriteLock(Database db, ExecutorService callers, SqlWork<Void> work,
                                                               CountDownLatch release) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Void> held = CompletableFuture.runAsync(() -> db.inTransaction(c -> {
            work.run(c);
            running.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }), callers);
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        return held;
    }

    @Test
    void writesQueuedBehindACommitShareTheNextOneAndAFailingOneFailsAlone() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(11);
        Path older = createTableKeepingACopy("CREATE TABLE items(id BIGINT PRIMARY KEY)");
        try (Database db = Database.open(dir)) {
            long before = appliedTxid(db);
            CountDownLatch releaseFirst = new CountDownLatch(1);
            CompletableFuture<Void> first = holdingTheWriteLock(db, callers, c -> insert(c, 1), releaseFirst);
            List<CompletableFuture<Void>> queued = new ArrayList<>();
            for (long id = 2; id <= 10; id++) {
                long row = id;
                queued.add(CompletableFuture.runAsync(() -> db.inTransaction(c -> insert(c, row)), callers));
            }
            // id 1 again: a duplicate, which must fail without taking the others down
            CompletableFuture<Void> duplicate = CompletableFuture.runAsync(() -> db.inTransaction(c -> insert(c, 1)), callers);
            Await.until("ten writes queued behind the first", Duration.ofSeconds(30), () -> db.queuedWrites() == 10);
            releaseFirst.countDown();

            first.get(30, TimeUnit.SECONDS);
            for (CompletableFuture<Void> f : queued) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThatThrownBy(() -> duplicate.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(DuplicateKeyException.class);
            assertThat(ids(db, "items")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
            assertThat(appliedTxid(db) - before).as("journal transactions for 11 writes").isEqualTo(2);
        } finally {
            callers.shutdownNow();
        }
        // The group's record replays to the same rows.
        Files.copy(older, dir.resolve("flightdeck.mv.db"), StandardCopyOption.REPLACE_EXISTING);
        try (Database db = Database.open(dir)) {
            assertThat(ids(db, "items")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        }
    }

    @Test
    void aWriteAloneInItsGroupThatFailsAfterWritingLeavesNothingAndTheNextWriteCommits() throws Exception {
        Path older = createTableKeepingACopy("CREATE TABLE items(id BIGINT PRIMARY KEY)");
        try (Database db = Database.open(dir)) {
            long before = appliedTxid(db);
            assertThatThrownBy(() -> db.inTransaction(c -> {
                insert(c, 1);
                insert(c, 2);
                throw new IllegalStateException("the work gave up after writing");
            })).isInstanceOf(IllegalStateException.class).hasMessage("the work gave up after writing");
            assertThat(ids(db, "items")).as("rows of the failed write").isEmpty();
            assertThat(appliedTxid(db)).as("journal transactions of a failed write").isEqualTo(before);

            db.inTransaction(c -> insert(c, 3));
            assertThat(ids(db, "items")).containsExactly(3L);
        }
        // Replay brings back the write that committed and nothing of the one that failed.
        Files.copy(older, dir.resolve("flightdeck.mv.db"), StandardCopyOption.REPLACE_EXISTING);
        try (Database db = Database.open(dir)) {
            assertThat(ids(db, "items")).containsExactly(3L);
        }
    }

    /**
     * A journal record over the size the reader accepts would be taken for a torn tail at replay
     * and cut off with everything after it. So a group stops growing before that size (the rest
     * wait for the next group) and a transaction over it alone fails, changing nothing.
     */
    @Test
    void aGroupNeverOutgrowsTheJournalRecordLimitAndATransactionOverItFailsAloneChangingNothing() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(11);
        Path older = createTableKeepingACopy("CREATE TABLE padded(id BIGINT PRIMARY KEY, pad VARCHAR)");
        try (Database db = Database.open(dir)) {
            db.limitRecordBytesForTests(100_000);
            long before = appliedTxid(db);
            CountDownLatch releaseFirst = new CountDownLatch(1);
            CompletableFuture<Void> first = holdingTheWriteLock(db, callers, c -> insertPadded(c, 1, 10), releaseFirst);
            List<CompletableFuture<Void>> queued = new ArrayList<>();
            for (long id = 2; id <= 10; id++) {
                long row = id;
                queued.add(CompletableFuture.runAsync(() -> db.inTransaction(c -> insertPadded(c, row, 30_000)), callers));
            }
            CompletableFuture<Void> tooLarge = CompletableFuture.runAsync(
                    () -> db.inTransaction(c -> insertPadded(c, 99, 150_000)), callers);
            Await.until("ten writes queued behind the first", Duration.ofSeconds(30), () -> db.queuedWrites() == 10);
            releaseFirst.countDown();

            first.get(30, TimeUnit.SECONDS);
            for (CompletableFuture<Void> f : queued) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThatThrownBy(() -> tooLarge.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(StoreException.class)
                    .hasMessageContaining("larger than the write journal's record limit of 100000 bytes");
            assertThat(ids(db, "padded")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
            // 9 × 30 KB in records of at most 100 KB: three groups of three, after the first's own.
            assertThat(appliedTxid(db) - before).as("journal transactions").isEqualTo(4);
        } finally {
            callers.shutdownNow();
        }
        // Every record replays (none is taken for a torn tail), to the same rows.
        Files.copy(older, dir.resolve("flightdeck.mv.db"), StandardCopyOption.REPLACE_EXISTING);
        try (Database db = Database.open(dir)) {
            assertThat(ids(db, "padded")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        }
    }

    private static Void insertPadded(java.sql.Connection c, long id, int padChars) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO padded(id, pad) VALUES (?, ?)")) {
            ps.setLong(1, id);
            ps.setString(2, "p".repeat(padChars));
            ps.executeUpdate();
        }
        return null;
    }

    @Test
    void aWriteTransactionInsideAnotherIsRefused() {
        try (Database db = Database.open(dir)) {
            assertThatThrownBy(() -> db.inTransaction(c -> db.inTransaction(c2 -> null)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("nested");
        }
    }
}
