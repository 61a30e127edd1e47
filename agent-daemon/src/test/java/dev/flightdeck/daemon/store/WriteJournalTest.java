package dev.flightdeck.daemon.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The write journal: what H2 loses in a crash comes back from it, a torn record is cut off, and a
 * write the journal could not replay is refused instead of committed. The loss is simulated by
 * putting back an older copy of the H2 file, which is what H2's recovery does when it falls back to
 * an older chunk (the kill -9 behaviour itself is proven against real processes in
 * DatabaseKillNineTest and KillNineCrashTest).
 */
class WriteJournalTest {
    @TempDir
    Path dir;

    private static void createNotes(Database db) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "CREATE TABLE IF NOT EXISTS notes(id BIGINT PRIMARY KEY, text VARCHAR(100000), at TIMESTAMP WITH TIME ZONE, "
                            + "amount DECIMAL(20, 6), flag BOOLEAN)")) {
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static void insertNote(Database db, long id, String text) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes VALUES (?, ?, ?, ?, ?)")) {
                ps.setLong(1, id);
                ps.setString(2, text);
                ps.setObject(3, OffsetDateTime.of(2026, 11, 21, 12, 0, 0, 123_000_000, ZoneOffset.ofHours(2)).plusSeconds(id));
                ps.setBigDecimal(4, new BigDecimal("12.345678").multiply(BigDecimal.valueOf(id)));
                if (id % 2 == 0) {
                    ps.setNull(5, java.sql.Types.BOOLEAN);
                } else {
                    ps.setBoolean(5, true);
                }
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static List<String> notes(Database db) {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, text, at, amount, flag FROM notes ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getObject(3, OffsetDateTime.class).toInstant()
                            + "|" + rs.getBigDecimal(4) + "|" + rs.getObject(5));
                }
            }
            return out;
        });
    }

    private Path h2File() {
        return dir.resolve("flightdeck.mv.db");
    }

    /** The state of the H2 file now, to put back later as if H2 had lost everything after it. */
    private Path snapshotH2() throws IOException {
        Path copy = dir.resolveSibling(dir.getFileName() + "-snapshot.mv.db");
        Files.copy(h2File(), copy, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    @Test
    void transactionsTheDatabaseFileLostAreReplayedFromTheJournalWithTheirExactValues() throws IOException {
        List<String> expected;
        Path older;
        try (Database db = Database.open(dir)) {
            createNotes(db);
            insertNote(db, 1, "first");
        }
        older = snapshotH2();
        try (Database db = Database.open(dir)) {
            insertNote(db, 2, "second, with ünïcödé and a quote ' ");
            insertNote(db, 3, "x".repeat(70_000));
            expected = notes(db);
        }
        assertThat(expected).hasSize(3);

        Files.copy(older, h2File(), StandardCopyOption.REPLACE_EXISTING);
        try (Database db = Database.open(dir)) {
            assertThat(notes(db)).isEqualTo(expected);
            insertNote(db, 4, "after the replay");
        }
        try (Database db = Database.open(dir)) {
            assertThat(notes(db)).hasSize(4);
        }
    }

    @Test
    void replayingTwiceChangesNothingBecauseTheDatabaseRecordsWhichTransactionItHolds() throws IOException {
        try (Database db = Database.open(dir)) {
            createNotes(db);
        }
        Path older = snapshotH2();
        try (Database db = Database.open(dir)) {
            insertNote(db, 1, "one");
        }
        Files.copy(older, h2File(), StandardCopyOption.REPLACE_EXISTING);
        try (Database db = Database.open(dir)) {
            assertThat(notes(db)).hasSize(1);
        }
        try (Database db = Database.open(dir)) {
            assertThat(notes(db)).hasSize(1); // a second open must not insert the row again (it would fail)
        }
    }

    @Test
    void aDatabaseThatDivergedFromTheJournalRefusesToOpenInsteadOfReplayingOntoTheWrongState() throws Exception {
        try (Database db = Database.open(dir)) {
            createNotes(db);
            insertNote(db, 1, "one");
        }
        Path older = snapshotH2();
        try (Database db = Database.open(dir)) {
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE notes SET text = ? WHERE id = ?")) {
                    ps.setString(1, "one, edited");
                    ps.setLong(2, 1);
                    ps.executeUpdate();
                }
                return null;
            });
        }
        Files.copy(older, h2File(), StandardCopyOption.REPLACE_EXISTING);
        // Someone (or a broken recovery) changed the file behind the journal's back: row 1 is gone.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(Database.jdbcUrl(dir), "sa", "");
             PreparedStatement ps = c.prepareStatement("DELETE FROM notes WHERE id = 1")) {
            ps.executeUpdate();
            c.createStatement().execute("SHUTDOWN");
        }
        assertThatThrownBy(() -> Database.open(dir)).isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot replay journal transaction")
                .hasMessageContaining("changed 0 row(s) where the original changed 1");
    }

    @Test
    void aRecordTornByACrashIsCutOffAndLaterWritesStayReplayable() throws IOException {
        try (Database db = Database.open(dir)) {
            createNotes(db);
            insertNote(db, 1, "one");
        }
        Path older = snapshotH2();
        // A process killed in the middle of an append leaves a partial record at the end.
        Path segment = segments().get(segments().size() - 1);
        Files.write(segment, new byte[]{0, 0, 1, 0, 7, 7, 7}, StandardOpenOption.APPEND);
        long tornSize = Files.size(segment);
        try (Database db = Database.open(dir)) {
            assertThat(Files.size(segment)).isEqualTo(tornSize - 7);
            insertNote(db, 2, "two");
        }
        Files.copy(older, h2File(), StandardCopyOption.REPLACE_EXISTING);
        try (Database db = Database.open(dir)) {
            assertThat(notes(db)).extracting(s -> s.split("\\|")[1]).containsExactly("one", "two");
        }
    }

    @Test
    void aWriteWithAParameterTheJournalCannotStoreIsRefusedAndChangesNothing() {
        try (Database db = Database.open(dir)) {
            createNotes(db);
            assertThatThrownBy(() -> db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes(id, text) VALUES (?, ?)")) {
                    ps.setLong(1, 1);
                    ps.setObject(2, new StringBuilder("not a journaled type"));
                    ps.executeUpdate();
                }
                return null;
            })).isInstanceOf(StoreException.class).hasMessageContaining("java.lang.StringBuilder");
            assertThatThrownBy(() -> db.inTransaction(c -> c.createStatement().executeUpdate("DELETE FROM notes")))
                    .isInstanceOf(StoreException.class).hasMessageContaining("prepared statements");
            assertThat(notes(db)).isEmpty();
        }
    }

    @Test
    void aFailedTransactionLeavesNothingToReplay() throws IOException {
        try (Database db = Database.open(dir)) {
            createNotes(db);
            insertNote(db, 1, "one");
        }
        Path older = snapshotH2();
        try (Database db = Database.open(dir)) {
            // The second insert violates the primary key: the whole transaction rolls back before
            // anything reaches the journal.
            assertThatThrownBy(() -> db.inTransaction(c -> {
                for (long id : new long[]{5, 1}) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes(id, text) VALUES (?, 'x')")) {
                        ps.setLong(1, id);
                        ps.executeUpdate();
                    }
                }
                return null;
            })).isInstanceOf(DuplicateKeyException.class);
        }
        Files.copy(older, h2File(), StandardCopyOption.REPLACE_EXISTING);
        try (Database db = Database.open(dir)) {
            assertThat(notes(db)).extracting(s -> s.split("\\|")[0]).containsExactly("1");
        }
    }

    @Test
    void aSegmentHoldingTransactionsAfterTheLastCheckpointIsKept() throws IOException {
        Path journalDir = dir.resolve("j");
        WriteJournal.Opened opened = WriteJournal.open(journalDir, 1024, Duration.ZERO, 0);
        try (WriteJournal journal = opened.journal()) {
            journal.checkpointed(3); // H2's file holds transactions 1..3 only
            for (long txid = 1; txid <= 40; txid++) {
                journal.append(JournalRecord.commit(txid, List.of(new JournaledStatement("UPDATE t SET a = ?",
                        Arrays.asList((Object) ("value-" + txid + "-" + "y".repeat(100))), 1))));
            }
        }
        WriteJournal.Opened reopened = WriteJournal.open(journalDir, 1024, Duration.ZERO, 3);
        try (WriteJournal journal = reopened.journal()) {
            assertThat(reopened.committedAfter(3)).extracting(JournalRecord::txid)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(4, 40).boxed().toList());
            assertThat(journal.firstTxid()).isLessThanOrEqualTo(4);
        }
    }

    @Test
    void segmentsRotateAndOnlyTheNewestTwoOutliveTheirKeepTime() throws IOException {
        Path journalDir = dir.resolve("j");
        WriteJournal.Opened opened = WriteJournal.open(journalDir, 1024, Duration.ZERO, 0);
        try (WriteJournal journal = opened.journal()) {
            for (long txid = 1; txid <= 40; txid++) {
                journal.append(JournalRecord.commit(txid, List.of(new JournaledStatement("UPDATE t SET a = ?",
                        Arrays.asList((Object) ("value-" + txid + "-" + "y".repeat(100))), 1))));
                journal.checkpointed(txid); // as if H2 wrote its file after every transaction
            }
            assertThat(journal.lastTxid()).isEqualTo(40);
        }
        List<Path> left;
        try (Stream<Path> files = Files.list(journalDir)) {
            left = files.sorted().toList();
        }
        assertThat(left).hasSize(2);
        WriteJournal.Opened reopened = WriteJournal.open(journalDir, 1024, Duration.ZERO, 0);
        try (WriteJournal journal = reopened.journal()) {
            List<JournalRecord> records = reopened.committedAfter(0);
            assertThat(records).isNotEmpty();
            assertThat(records.get(records.size() - 1).txid()).isEqualTo(40);
            assertThat(journal.firstTxid()).isEqualTo(records.get(0).txid());
            // consecutive: rotation never drops a record from the segments it keeps
            assertThat(records).extracting(JournalRecord::txid)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(records.get(0).txid(), 40).boxed().toList());
        }
    }

    @Test
    void anAbortNoteCancelsItsTransactionOnReplay() {
        Path journalDir = dir.resolve("j");
        try (WriteJournal journal = WriteJournal.open(journalDir, 1 << 20, Duration.ofMinutes(10), 0).journal()) {
            journal.append(JournalRecord.commit(1, List.of(new JournaledStatement("A", List.of(), 0))));
            journal.append(JournalRecord.commit(2, List.of(new JournaledStatement("B", List.of(), 0))));
            journal.append(JournalRecord.abort(2));
            journal.append(JournalRecord.commit(3, List.of(new JournaledStatement("C", List.of(), 0))));
        }
        WriteJournal.Opened reopened = WriteJournal.open(journalDir, 1 << 20, Duration.ofMinutes(10), 0);
        reopened.journal().close();
        assertThat(reopened.committedAfter(0)).extracting(r -> r.statements().get(0).sql()).containsExactly("A", "C");
        assertThat(reopened.committedAfter(1)).extracting(r -> r.statements().get(0).sql()).containsExactly("C");
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("journal"))) {
            return files.sorted().toList();
        }
    }
}
