package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
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
}
