package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.cost.CostFilter;
import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.cost.CostQuery;
import dev.flightdeck.daemon.cost.CostReport;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.error.UnavailableException;
import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.run.TerminalReason;
import dev.flightdeck.daemon.store.BundleRepository;
import dev.flightdeck.daemon.store.ConcurrentAppendException;
import dev.flightdeck.daemon.store.CostRepository;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cost index counts exactly the committed model calls: a call appears once its event commits,
 * never when the transaction fails, is hidden when retention deletes its run, and queries during
 * the start-up load wait for it instead of answering from part of the data.
 */
class CostIndexConsistencyTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private static final String V = "a".repeat(64);
    private static final CostQuery ALL = new CostQuery(T0.minusSeconds(86_400), T0.plusSeconds(86_400), List.of(),
            CostFilter.NONE, 100);

    @TempDir
    Path dir;
    private Database db;
    private RunRepository runs;
    private CostIndex index;
    private EventLog log;

    @BeforeEach
    void open() {
        db = Database.open(dir);
        runs = new RunRepository(db);
        new BundleRepository(db).insertIfAbsent(V, "b", "d", "name: b\n", "{}", T0);
        index = CostIndex.empty();
        log = new EventLog(new RunEventRepository(db), null, new EventCodec(), new RunFeed(),
                Clock.fixed(T0, ZoneOffset.UTC), index);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static EventPayload.ModelResponded answer(long costMicros) {
        return new EventPayload.ModelResponded("openai", "gpt-4o", ChatMessage.assistant("ok", List.of()), "stop",
                new Usage(100, 0, 10, 0, costMicros, true), 250, List.of());
    }

    private RunRecord started(String runId) {
        RunRecord run = RunRecord.queued(runId, "b", V, "acme", "go", "", T0);
        runs.insert(run);
        return log.append(run, 0, new EventPayload.RunStarted("b", V, "acme", "go")).run();
    }

    private CostReport costs() {
        return index.query(ALL, Duration.ZERO);
    }

    @Test
    void aCommittedCallIsCountedAndACallWhoseTransactionFailedIsNot() {
        RunRecord run = started("r1");
        RunRecord after = log.append(run, 1, answer(700)).run();

        assertThat(costs().total().calls()).isEqualTo(1);
        assertThat(costs().total().usage().costMicros()).isEqualTo(700);

        // a second writer with the stale run row: the database refuses the append, so no call is counted
        assertThatThrownBy(() -> log.append(run, 1, answer(900))).isInstanceOf(ConcurrentAppendException.class);
        assertThat(costs().total().calls()).isEqualTo(1);
        assertThat(costs().total().usage().costMicros()).isEqualTo(700);

        log.append(after, 2, answer(50));
        assertThat(costs().total().calls()).isEqualTo(2);
        assertThat(costs().total().runs()).isEqualTo(1);
    }

    @Test
    void pruningARunRemovesItsCallsFromCostQueries() {
        RunRecord kept = log.append(started("kept"), 1, answer(10)).run();
        RunRecord old = log.append(started("old"), 1, answer(500)).run();
        log.append(old, 1, new EventPayload.RunFinished(RunStatus.SUCCEEDED, TerminalReason.COMPLETED, "", "done",
                old.usage(), 1));
        assertThat(costs().total().calls()).isEqualTo(2);

        RunRetention retention = new RunRetention(runs, Clock.fixed(T0.plusSeconds(7200), ZoneOffset.UTC),
                Duration.ZERO, index);
        assertThat(retention.prune(Duration.ofHours(1), false).runIds()).containsExactly("old");

        assertThat(costs().total().calls()).isEqualTo(1);
        assertThat(costs().total().usage().costMicros()).isEqualTo(10);
        assertThat(kept.lastSequence()).isEqualTo(2);
    }

    @Test
    void queriesWaitForTheStartUpLoad_andCallsCommittedDuringItAreCountedOnce() throws Exception {
        RunRecord run = started("r1");
        RunRecord after = log.append(run, 1, answer(100)).run(); // in the database before the load
        CostIndex loading = new CostIndex();
        CountDownLatch rowsRead = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CostRepository rows = new CostRepository(db);
        CompletableFuture<Void> load = CompletableFuture.runAsync(() -> loading.load(sink -> {
            rows.forEachCall(sink);
            rowsRead.countDown();
            await(release);
        }));
        assertThat(rowsRead.await(10, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> loading.query(ALL, Duration.ZERO)).isInstanceOf(UnavailableException.class)
                .hasMessageContaining("still loading");
        // committed while the load runs: one call the load already read, one it did not
        loading.add(new ModelCall("r1", after.lastSequence(), "acme", "b", V, "openai", "gpt-4o", T0, 250,
                new Usage(100, 0, 10, 0, 100, true)));
        loading.add(new ModelCall("r1", after.lastSequence() + 1, "acme", "b", V, "openai", "gpt-4o", T0, 250,
                new Usage(100, 0, 10, 0, 40, true)));
        CompletableFuture<CostReport> waiting = CompletableFuture.supplyAsync(() -> loading.query(ALL,
                Duration.ofSeconds(30)));
        assertThat(waiting).isNotDone();
        release.countDown();

        CostReport report = waiting.get(30, TimeUnit.SECONDS);
        load.get(30, TimeUnit.SECONDS);
        assertThat(report.total().calls()).isEqualTo(2);
        assertThat(report.total().usage().costMicros()).isEqualTo(140);
    }

    @Test
    void aFailedLoadMakesQueriesUnavailableWithTheReason() {
        CostIndex broken = new CostIndex();
        broken.load(sink -> {
            throw new IllegalStateException("disk on fire");
        });
        assertThatThrownBy(() -> broken.query(ALL, Duration.ZERO)).isInstanceOf(UnavailableException.class)
                .hasMessageContaining("disk on fire");

        CostIndex noMessage = new CostIndex();
        noMessage.load(sink -> {
            sink.accept(new ModelCall("r1", 1, "acme", "b", V, "openai", "gpt-4o", T0, 1, Usage.ZERO));
            throw new NullPointerException();
        });
        assertThatThrownBy(() -> noMessage.query(ALL, Duration.ZERO)).isInstanceOf(UnavailableException.class)
                .hasMessageContaining("NullPointerException");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
