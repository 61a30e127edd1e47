package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.testing.Await;
import org.h2.mvstore.FileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A checkpoint takes H2's snapshot under the write lock, and H2's own threads write it into the
 * file while commits go on (ADR 0018). The journal may let go of a transaction only once the
 * chunk holding it is written: until then a crash would find it in neither place.
 */
class CheckpointTest {
    @TempDir
    Path dir;

    @Test
    void theJournalKeepsACheckpointsTransactionsUntilH2HasWrittenItsChunk() throws Exception {
        try (Database db = Database.open(dir)) {
            write(db, "CREATE TABLE items(id BIGINT PRIMARY KEY)");
            Await.until("the table's checkpoint written", Duration.ofSeconds(30),
                    () -> db.checkpointedTxid() == db.lastTxid());
            long before = db.checkpointedTxid();

            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch held = holdUpH2sSaveThread(db, release);
            try {
                for (int i = 0; i < 20; i++) {
                    write(db, "INSERT INTO items(id) VALUES (" + i + ")");
                }
                long last = db.lastTxid();
                // The idle checkpointer takes the snapshot within a quarter of a second...
                Await.until("a checkpoint of all 20 inserts taken", Duration.ofSeconds(30),
                        () -> db.snapshotTxid() == last);
                assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
                // ...but H2 cannot write it, and commits still go on meanwhile.
                write(db, "INSERT INTO items(id) VALUES (100)");
                assertThat(db.checkpointedTxid()).isEqualTo(before);
            } finally {
                release.countDown();
            }
            Await.until("the journal told once H2 wrote the chunk", Duration.ofSeconds(30),
                    () -> db.checkpointedTxid() == db.lastTxid());
        }
    }

    private static void write(Database db, String sql) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Queues a task on H2's (single) chunk-saving thread that waits for {@code release}, so every
     * chunk serialized meanwhile waits to be written. Returns a latch that opens once the thread
     * is held. Reads H2 internals on purpose: if an H2 upgrade renames them, this test says so.
     */
    private static CountDownLatch holdUpH2sSaveThread(Database db, CountDownLatch release) throws Exception {
        var field = FileStore.class.getDeclaredField("bufferSaveExecutor");
        field.setAccessible(true);
        ThreadPoolExecutor saver = (ThreadPoolExecutor) field.get(db.h2Store().getFileStore());
        CountDownLatch held = new CountDownLatch(1);
        saver.execute(() -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return held;
    }
}
