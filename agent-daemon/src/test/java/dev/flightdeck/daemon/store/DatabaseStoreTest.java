package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Repositories against real H2 files in a temp directory. */
class DatabaseStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00.123Z");
    private static final String VERSION = "a".repeat(64);

    @TempDir
    Path dir;

    private static void storeBundle(Database db, String versionId, String name) {
        new BundleRepository(db).insertIfAbsent(versionId, name, "desc", "name: " + name + "\n", "{}", T0);
    }

    private static RunRecord run(String id, String tenant, String key) {
        return RunRecord.queued(id, "hello", VERSION, tenant, "input", key, T0);
    }

    private static RunEventRecord event(String runId, long sequence, String prevHash) {
        return new RunEventRecord(runId, sequence, 0, T0.plusMillis(sequence), "run_started", "{}",
                "{\"sequence\":" + sequence + "}", prevHash, Long.toHexString(sequence).repeat(64).substring(0, 64));
    }

    @Test
    void everythingWrittenIsThereAfterClosingAndReopeningTheDatabase() {
        RunRecord afterEvent;
        try (Database db = Database.open(dir)) {
            storeBundle(db, VERSION, "hello");
            RunRecord r = run("run-1", "acme", "k1");
            new RunRepository(db).insert(r);
            RunEventRecord e = event("run-1", 1, "");
            afterEvent = r.started(T0).plusUsage(new Usage(10, 1, 5, 2, 300, true)).withLastEvent(1, e.hash());
            new RunEventRepository(db).append(e, afterEvent);
        }

        try (Database db = Database.open(dir)) {
            assertThat(new RunRepository(db).find("run-1")).contains(afterEvent);
            assertThat(new RunEventRepository(db).readAll("run-1")).containsExactly(event("run-1", 1, ""));
            assertThat(new BundleRepository(db).findLatest("hello")).hasValueSatisfying(b -> {
                assertThat(b.versionId()).isEqualTo(VERSION);
                assertThat(b.createdAt()).isEqualTo(T0);
            });
        }
    }

    @Test
    void anAppendThatDoesNotFollowTheLastSequenceIsRejectedAndChangesNothing() {
        try (Database db = Database.open(dir)) {
            storeBundle(db, VERSION, "hello");
            RunRepository runs = new RunRepository(db);
            RunEventRepository events = new RunEventRepository(db);
            RunRecord r = run("run-1", "acme", "");
            runs.insert(r);
            RunEventRecord first = event("run-1", 1, "");
            events.append(first, r.withLastEvent(1, first.hash()));

            RunEventRecord racing = event("run-1", 1, "");
            assertThatThrownBy(() -> events.append(racing, r.withStatus(RunStatus.FAILED, "x").withLastEvent(1, "h")))
                    .isInstanceOf(ConcurrentAppendException.class);
            assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.QUEUED);
            assertThat(events.readAll("run-1")).hasSize(1);
        }
    }

    @Test
    void idempotencyKeysAreUniquePerTenantAndRunsWithoutKeysNeverCollide() {
        try (Database db = Database.open(dir)) {
            storeBundle(db, VERSION, "hello");
            RunRepository runs = new RunRepository(db);
            runs.insert(run("run-1", "acme", "k"));
            runs.insert(run("run-2", "globex", "k"));
            runs.insert(run("run-3", "acme", ""));
            runs.insert(run("run-4", "acme", ""));

            assertThatThrownBy(() -> runs.insert(run("run-5", "acme", "k"))).isInstanceOf(DuplicateKeyException.class);
            assertThat(runs.findByIdempotencyKey("acme", "k")).map(RunRecord::runId).contains("run-1");
            assertThat(runs.list(new RunQuery(Set.of(), "", "acme", "", 10))).extracting(RunRecord::runId)
                    .containsExactly("run-4", "run-3", "run-1");
            assertThat(runs.list(new RunQuery(Set.of(RunStatus.QUEUED), "hello", "", "run-3", 10)))
                    .extracting(RunRecord::runId).containsExactly("run-2", "run-1");
        }
    }

    @Test
    void aBundleVersionIsStoredOnceAndListedLatestPerNameWithCounts() {
        try (Database db = Database.open(dir)) {
            BundleRepository bundles = new BundleRepository(db);
            assertThat(bundles.insertIfAbsent("1".repeat(64), "alpha", "d", "y", "{}", T0)).isTrue();
            assertThat(bundles.insertIfAbsent("1".repeat(64), "alpha", "d", "y", "{}", T0)).isFalse();
            bundles.insertIfAbsent("2".repeat(64), "alpha", "d", "y2", "{}", T0);
            bundles.insertIfAbsent("3".repeat(64), "beta", "d", "y", "{}", T0);

            List<StoredBundle> latest = bundles.listLatestPerName("", 10);
            assertThat(latest).extracting(StoredBundle::name).containsExactly("alpha", "beta");
            assertThat(latest).extracting(StoredBundle::versionId).containsExactly("2".repeat(64), "3".repeat(64));
            assertThat(latest).extracting(StoredBundle::versionCount).containsExactly(2, 1);
            assertThat(bundles.findByPrefix("alpha", "11111111")).hasSize(1);
            assertThat(bundles.listVersions("alpha", 0, 10)).extracting(StoredBundle::versionId)
                    .containsExactly("2".repeat(64), "1".repeat(64));
        }
    }

    @Test
    void aDatabaseANewerDaemonMigratedIsRefusedWithItsSchemaVersionAndLeftAsItWas() throws Exception {
        Database.open(dir).close();
        try (Connection c = DriverManager.getConnection(Database.jdbcUrl(dir), "sa", "");
             PreparedStatement ps = c.prepareStatement("INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\","
                     + " \"description\", \"type\", \"script\", \"checksum\", \"installed_by\", \"execution_time\","
                     + " \"success\") VALUES (99, '99', 'from the future', 'SQL', 'V99__from_the_future.sql', 1, 'sa', 1, TRUE)")) {
            ps.executeUpdate();
        }
        List<String> history = schemaHistory();

        assertThatThrownBy(() -> Database.open(dir)).isInstanceOf(StoreException.class)
                .hasMessageContaining("has schema version 99, written by a newer flightdeck daemon")
                .hasMessageMatching("(?s).*knows schema versions up to \\d+\\. Start the newer version on it.*");

        assertThat(schemaHistory()).as("schema history: nothing migrated, nothing removed").isEqualTo(history)
                .contains("99");
    }

    private List<String> schemaHistory() throws Exception {
        try (Connection c = DriverManager.getConnection(Database.jdbcUrl(dir), "sa", "");
             PreparedStatement ps = c.prepareStatement("SELECT \"version\" FROM \"flyway_schema_history\""
                     + " ORDER BY \"installed_rank\"");
             ResultSet rs = ps.executeQuery()) {
            List<String> versions = new java.util.ArrayList<>();
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
            return versions;
        }
    }

    /**
     * V6 rewrites run_events several times over (ADD COLUMN copies the table in H2); without a
     * compacting shutdown after migrating, 100,000 events left a 159 MB file at 1,146 MB.
     */
    @Test
    void aDatabaseMigratedOnUpgradeIsNotLeftManyTimesItsSizeOnDisk() throws Exception {
        Files.createDirectories(dir);
        Flyway.configure().dataSource(Database.jdbcUrl(dir), "sa", "").locations("classpath:db/migration").target("5")
                .load().migrate();
        String payload = "{\"result_json\":\"" + "x".repeat(600) + "\",\"tool_name\":\"lookup_order\"}";
        try (Connection c = DriverManager.getConnection(Database.jdbcUrl(dir), "sa", "")) {
            c.setAutoCommit(false);
            try (PreparedStatement b = c.prepareStatement("INSERT INTO bundles VALUES ('b', ?)");
                 PreparedStatement v = c.prepareStatement("INSERT INTO bundle_versions (version_id, name, description,"
                         + " source_yaml, canonical_json, created_at) VALUES ('v1', 'b', 'd', 'y', '{}', ?)");
                 PreparedStatement r = c.prepareStatement("INSERT INTO runs (run_id, bundle_name, bundle_version, tenant,"
                         + " input, status, created_at, last_sequence, last_hash) VALUES (?, 'b', 'v1', 'acme', 'in',"
                         + " 'SUCCEEDED', ?, 100, 'h')")) {
                b.setObject(1, Database.toDb(Instant.EPOCH));
                b.executeUpdate();
                v.setObject(1, Database.toDb(Instant.EPOCH));
                v.executeUpdate();
                for (int i = 0; i < 50; i++) {
                    r.setString(1, "run-" + i);
                    r.setObject(2, Database.toDb(Instant.EPOCH));
                    r.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_events (run_id, sequence, step, occurred_at,"
                    + " type, payload_json, canonical_json, prev_hash, hash) VALUES (?,?,1,?,'tool_call_finished',?,?,'p','h')")) {
                for (int i = 0; i < 5_000; i++) {
                    ps.setString(1, "run-" + (i / 100));
                    ps.setLong(2, i % 100 + 1);
                    ps.setObject(3, Database.toDb(Instant.EPOCH));
                    ps.setString(4, payload);
                    ps.setString(5, "{\"payload\":" + payload + "}");
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            try (PreparedStatement ps = c.prepareStatement("SHUTDOWN")) {
                ps.execute();
            }
        }
        long before = Files.size(dir.resolve("flightdeck.mv.db"));

        Database.open(dir).close();

        assertThat(Files.size(dir.resolve("flightdeck.mv.db"))).as("file size after migrating a %d-byte V5 file", before)
                .isLessThan(2 * before);
        try (Database db = Database.open(dir)) {
            assertThat(new RunEventRepository(db).readAll("run-7")).hasSize(100)
                    .allSatisfy(e -> assertThat(e.payloadJson()).isEqualTo(payload));
        }
    }

    @Test
    void aPageSizeSettingThatIsNotAPowerOfTwoFrom1KTo64KStopsTheOpenNamingThePropertyAndCreatesNothing() {
        Path db = dir.resolve("db");
        for (String bad : List.of("0", "-4096", "3000", "512", "131072", "4k", "")) {
            System.setProperty(Database.PAGE_SIZE_PROPERTY, bad);
            try {
                assertThatThrownBy(() -> Database.open(db)).isInstanceOf(StoreException.class)
                        .hasMessage("system property flightdeck.db.pageSize: must be a power of two from 1024 to 65536 "
                                + "(bytes per H2 page), got \"" + bad + "\"; unset, it is 4096");
            } finally {
                System.clearProperty(Database.PAGE_SIZE_PROPERTY);
            }
            assertThat(db).as("after %s", bad).doesNotExist();
        }
        for (String good : List.of("1024", "16384", "65536")) {
            System.setProperty(Database.PAGE_SIZE_PROPERTY, good);
            try (Database opened = Database.open(db)) {
                assertThat(Database.jdbcUrl(db)).endsWith(";PAGE_SIZE=" + good);
            } finally {
                System.clearProperty(Database.PAGE_SIZE_PROPERTY);
            }
        }
    }
}
