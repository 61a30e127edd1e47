package dev.flightdeck.daemon.store;

import dev.flightdeck.client.HashChain;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.testing.Await;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Event texts are stored inline up to {@link RunEventRepository#INLINE_MAX_CHARS} and in a LOB
 * column beyond (schema V6): either way they read back whole, survive kill -9 through the write
 * journal, and a database written before V6 reads the same after the migration.
 */
class LargeEventTextTest {
    @TempDir
    Path dir;

    @Test
    void textsJustUnderAtAndJustOverTheInlineLimitReadBackWholeAfterReopening() throws Exception {
        List<RunEventRecord> events = LargeEvents.events();
        try (Database db = Database.open(dir)) {
            LargeEvents.storeRun(db);
            LargeEvents.append(db, events);
        }
        try (Database db = Database.open(dir)) {
            assertThat(new RunEventRepository(db).readAll(LargeEvents.RUN)).containsExactlyElementsOf(events);
            // The over-limit texts really took the other path (else this test would prove nothing).
            List<String> used = db.read(LargeEventTextTest::columnsUsed);
            assertThat(used).containsExactly("json json", "json lob", "lob lob", "json json");
        }
    }

    @Test
    void largeEventsCommittedBeforeAKillComeBackFromTheJournalInBothShapes() throws Exception {
        List<RunEventRecord> events = LargeEvents.events();
        Path db = dir.resolve("db");
        for (int i = 0; i <= events.size(); i++) {
            Writer w = Writer.start(db, i);
            try {
                long replayed = w.await("OPENED ", 1);
                if (i > 0) {
                    assertThat(replayed).as("transactions replayed from the journal after event %d", i).isPositive();
                }
                if (i < events.size()) {
                    // H2's file does not hold the event's transaction: only the journal does.
                    assertThat(w.await("APPENDED ", 1)).as("last checkpointed transaction after event %d", i)
                            .isLessThan(w.await("APPENDED ", 2));
                }
            } finally {
                w.kill();
            }
        }
        try (Database opened = Database.open(db)) {
            List<RunEventRecord> read = new RunEventRepository(opened).readAll(LargeEvents.RUN);
            assertThat(read).containsExactlyElementsOf(events);
        }
    }

    @Test
    void aDatabaseWrittenWithClobTextsReadsTheSameEventsAfterTheMigration() throws Exception {
        List<RunEventRecord> events = LargeEvents.events();
        Path db = dir.resolve("db");
        Files.createDirectories(db);
        // Schema V5 (texts as CLOBs), written with plain SQL as the daemon before V6 did.
        Flyway.configure().dataSource(Database.jdbcUrl(db), "sa", "").locations("classpath:db/migration").target("5")
                .load().migrate();
        try (Connection c = DriverManager.getConnection(Database.jdbcUrl(db), "sa", "")) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO bundle_versions (version_id, name, description, "
                    + "source_yaml, canonical_json, created_at) VALUES (?, 'large', 'd', 'y', '{}', ?)");
                 PreparedStatement b = c.prepareStatement("INSERT INTO bundles VALUES ('large', ?)")) {
                b.setObject(1, Database.toDb(LargeEvents.T0));
                b.executeUpdate();
                ps.setString(1, LargeEvents.VERSION);
                ps.setObject(2, Database.toDb(LargeEvents.T0));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs (run_id, bundle_name, bundle_version, "
                    + "tenant, input, status, created_at, last_sequence, last_hash) VALUES (?, 'large', ?, 'acme', 'in', "
                    + "'RUNNING', ?, ?, ?)")) {
                ps.setString(1, LargeEvents.RUN);
                ps.setString(2, LargeEvents.VERSION);
                ps.setObject(3, Database.toDb(LargeEvents.T0));
                ps.setLong(4, events.size());
                ps.setString(5, events.get(events.size() - 1).hash());
                ps.executeUpdate();
            }
            for (RunEventRecord e : events) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_events (run_id, sequence, step, "
                        + "occurred_at, type, payload_json, canonical_json, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)")) {
                    ps.setString(1, e.runId());
                    ps.setLong(2, e.sequence());
                    ps.setInt(3, e.step());
                    ps.setObject(4, Database.toDb(e.occurredAt()));
                    ps.setString(5, e.type());
                    ps.setString(6, e.payloadJson());
                    ps.setString(7, e.canonicalJson());
                    ps.setString(8, e.prevHash());
                    ps.setString(9, e.hash());
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SHUTDOWN")) {
                ps.execute();
            }
        }
        try (Database opened = Database.open(db)) {
            List<RunEventRecord> read = new RunEventRepository(opened).readAll(LargeEvents.RUN);
            assertThat(read).containsExactlyElementsOf(events);
            String prev = "";
            for (RunEventRecord e : read) {
                assertThat(e.prevHash()).isEqualTo(prev);
                assertThat(HashChain.hashOf(e.prevHash(), e.canonicalJson())).as("hash of event %d", e.sequence())
                        .isEqualTo(e.hash());
                prev = e.hash();
            }
            List<String> used = opened.read(LargeEventTextTest::columnsUsed);
            assertThat(used).containsExactly("json json", "json lob", "lob lob", "json json");
        }
    }

    /** Per event, in order: which column of each pair holds its text ("json" inline, "lob"). */
    private static List<String> columnsUsed(Connection c) throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT payload_lob IS NULL, canonical_lob IS NULL, "
                + "payload_json IS NULL, canonical_json IS NULL FROM run_events ORDER BY sequence");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                assertThat(rs.getBoolean(1)).as("exactly one payload column set").isNotEqualTo(rs.getBoolean(3));
                assertThat(rs.getBoolean(2)).as("exactly one canonical column set").isNotEqualTo(rs.getBoolean(4));
                out.add((rs.getBoolean(1) ? "json" : "lob") + " " + (rs.getBoolean(2) ? "json" : "lob"));
            }
        }
        return out;
    }

    /** A writer process; its output goes to a file, read while it lives and after it died. */
    private record Writer(Process process, Path output) {
        static Writer start(Path db, int index) throws IOException {
            Files.createDirectories(db.getParent());
            Path output = Files.createTempFile(db.getParent(), "writer", ".out");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dflightdeck.db.checkpoint.ms=3600000",
                    "-Dflightdeck.db.checkpoint.txs=1000000", "-cp", System.getProperty("java.class.path"),
                    LargeEventWriterProcess.class.getName(), db.toString(), Integer.toString(index))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectOutput(output.toFile())
                    .start();
            return new Writer(p, output);
        }

        /** The number at {@code position} of the first complete line starting with {@code prefix}. */
        long await(String prefix, int position) {
            Await.until("the writer to print " + prefix, Duration.ofSeconds(90),
                    () -> line(prefix) != null || !process.isAlive());
            String line = line(prefix);
            assertThat(line).as("the writer died before printing %s", prefix).isNotNull();
            return Long.parseLong(line.split(" ")[position]);
        }

        private String line(String prefix) {
            try {
                String text = Files.readString(output);
                List<String> lines = List.of(text.split("\n", -1));
                // After the last newline: empty, or a line still being written.
                return lines.subList(0, lines.size() - 1).stream().filter(l -> l.startsWith(prefix)).findFirst()
                        .orElse(null);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
