package dev.flightdeck.daemon.api;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.Page;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunFilter;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.StartedRun;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunServiceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private InProcessDaemon daemon;
    private DaemonClient client;

    @BeforeEach
    void start() {
        daemon = new InProcessDaemon(dir);
        client = daemon.client();
        client.pushBundle(TestBundles.answering("hello", "hi"));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private static void assertCode(Runnable call, String code, String messageStart) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(DaemonCallException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).startsWith(messageStart);
        });
    }

    @Test
    void startRunRejectsUnknownBundlesVersionsAndEmptyReferences() {
        assertCode(() -> client.startRun("nope", "x", "", ""), "NOT_FOUND", "bundle: unknown bundle \"nope\"");
        assertCode(() -> client.startRun("hello@00000000", "x", "", ""), "NOT_FOUND", "bundle: bundle \"hello\" has no version");
        assertCode(() -> client.startRun("", "x", "", ""), "INVALID_ARGUMENT", "bundle:");
        assertCode(() -> client.startRun("hello", "x".repeat(1024 * 1024 + 1), "", ""), "INVALID_ARGUMENT", "input:");
    }

    @Test
    void startRunWithAPinnedVersionPrefixRunsThatVersion() {
        String v1 = client.getBundle("hello", "").versionId();
        client.pushBundle(TestBundles.answering("hello", "newer"));

        RunInfo run = client.startRun("hello@" + v1.substring(0, 10), "x", "", "").run();

        assertThat(run.bundleVersion()).isEqualTo(v1);
        daemon.watchToEnd(run.runId(), 0, TIMEOUT);
        assertThat(client.getRun(run.runId()).output()).isEqualTo("hi");
    }

    @Test
    void sameIdempotencyKeyAndTenantReturnsTheSameRun() {
        StartedRun first = client.startRun("hello", "input", "acme", "key-1");
        StartedRun second = client.startRun("hello", "input", "acme", "key-1");
        StartedRun otherTenant = client.startRun("hello", "input", "globex", "key-1");

        assertThat(first.existing()).isFalse();
        assertThat(second.existing()).isTrue();
        assertThat(second.run().runId()).isEqualTo(first.run().runId());
        assertThat(otherTenant.existing()).isFalse();
        assertThat(otherTenant.run().runId()).isNotEqualTo(first.run().runId());
    }

    @Test
    void sameIdempotencyKeyWithDifferentInputOrBundleIsAlreadyExistsNamingTheRun() {
        client.pushBundle(TestBundles.answering("other", "x"));
        String runId = client.startRun("hello", "input", "acme", "key-1").run().runId();

        assertCode(() -> client.startRun("hello", "different", "acme", "key-1"), "ALREADY_EXISTS",
                "idempotency_key: \"key-1\" was already used by run " + runId);
        assertCode(() -> client.startRun("other", "input", "acme", "key-1"), "ALREADY_EXISTS",
                "idempotency_key: \"key-1\" was already used by run " + runId);
    }

    @Test
    void getRunAndCancelRunOfAnUnknownRunAreNotFound() {
        assertCode(() -> client.getRun("run-nope"), "NOT_FOUND", "run_id: unknown run \"run-nope\"");
        assertCode(() -> client.cancelRun("run-nope", "", ""), "NOT_FOUND", "run_id: unknown run");
        assertCode(() -> client.getRunHistory("run-nope", 0, 0), "NOT_FOUND", "run_id: unknown run");
    }

    @Test
    void listRunsPagesNewestFirstWithFiltersAndValidatesPageSizeAndToken() {
        List<String> acme = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            acme.add(client.startRun("hello", "i" + i, "acme", "").run().runId());
        }
        client.startRun("hello", "other", "globex", "");
        RunFilter acmeOnly = new RunFilter(Set.of(), "hello", "acme");

        List<String> seen = new ArrayList<>();
        Page<RunInfo> page = client.listRuns(acmeOnly, 2, "");
        seen.addAll(page.items().stream().map(RunInfo::runId).toList());
        while (page.hasMore()) {
            page = client.listRuns(acmeOnly, 2, page.nextPageToken());
            seen.addAll(page.items().stream().map(RunInfo::runId).toList());
        }
        String foreignToken = client.listRuns(acmeOnly, 2, "").nextPageToken();

        java.util.Collections.reverse(acme);
        assertThat(seen).containsExactlyElementsOf(acme);
        assertCode(() -> client.listRuns(RunFilter.ALL, 9999, ""), "INVALID_ARGUMENT",
                "page_size: must be between 0 and 500, got 9999");
        assertCode(() -> client.listRuns(RunFilter.ALL, -1, ""), "INVALID_ARGUMENT", "page_size:");
        assertCode(() -> client.listRuns(RunFilter.ALL, 2, foreignToken), "INVALID_ARGUMENT",
                "page_token: not a token issued by ListRuns for these filters");
        assertCode(() -> client.listRuns(RunFilter.ALL, 2, "garbage"), "INVALID_ARGUMENT", "page_token:");
    }

    @Test
    void listRunsFiltersByStatus() {
        String done = client.startRun("hello", "a", "", "").run().runId();
        daemon.watchToEnd(done, 0, TIMEOUT);

        List<RunInfo> succeeded = client.listRuns(new RunFilter(Set.of(RunState.SUCCEEDED), "", ""), 0, "").items();
        List<RunInfo> failed = client.listRuns(new RunFilter(Set.of(RunState.FAILED), "", ""), 0, "").items();

        assertThat(succeeded).extracting(RunInfo::runId).containsExactly(done);
        assertThat(failed).isEmpty();
    }

    @Test
    void getRunHistoryPagesInSequenceOrderAndRejectsNegativeAfterSequence() {
        client.pushBundle(TestBundles.demo());
        String runId = client.startRun("support-refund", "refund A-1001", "", "").run().runId();
        List<RunEventInfo> all = daemon.watchToEnd(runId, 0, TIMEOUT);

        List<RunEventInfo> firstPage = client.getRunHistory(runId, 0, 5);
        List<RunEventInfo> secondPage = client.getRunHistory(runId, 5, 5);

        assertThat(firstPage).isEqualTo(all.subList(0, 5));
        assertThat(secondPage).isEqualTo(all.subList(5, 10));
        assertThat(client.getRunHistory(runId, 0, 0)).isEqualTo(all);
        assertCode(() -> client.getRunHistory(runId, -1, 0), "INVALID_ARGUMENT", "after_sequence: must be 0 or more");
        assertCode(() -> client.getRunHistory(runId, 0, 1001), "INVALID_ARGUMENT", "page_size:");
    }

    @Test
    void oversizedRunIdsAndCancelTextsAreRejectedAndChangeNothing() {
        String runId = client.startRun("hello", "hi", "acme", "").run().runId();
        assertCode(() -> client.getRun("r".repeat(201)), "INVALID_ARGUMENT",
                "run_id: must be at most 200 characters, got 201");
        assertCode(() -> client.cancelRun(runId, "x".repeat(4001), "ann"), "INVALID_ARGUMENT",
                "reason: must be at most 4000 characters, got 4001");
        assertCode(() -> client.cancelRun(runId, "why", "a".repeat(201)), "INVALID_ARGUMENT",
                "requested_by: must be at most 200 characters, got 201");
        assertThat(client.getRunHistory(runId, 0, 0)).noneMatch(e -> e.type().equals("cancel_requested"));
        assertThat(client.getRun(runId).state()).isNotEqualTo(RunState.CANCELLED);
    }

    @Test
    void watchRunOfAnUnknownRunIsNotFoundAndANegativeAfterSequenceIsInvalid() throws Exception {
        assertThat(watchError("run-nope", 0).code()).isEqualTo("NOT_FOUND");
        String runId = client.startRun("hello", "a", "", "").run().runId();
        DaemonCallException negative = watchError(runId, -1);
        assertThat(negative.code()).isEqualTo("INVALID_ARGUMENT");
        assertThat(negative.getMessage()).isEqualTo("after_sequence: must be 0 or more, got -1");
    }

    @Test
    void readingPastTheLastEventOfAnEndedRunIsOutOfRangeNamingItsLastSequence() throws Exception {
        String runId = client.startRun("hello", "a", "", "").run().runId();
        long last = daemon.watchToEnd(runId, 0, TIMEOUT).size();
        String expected = "after_sequence: " + (last + 1) + " is past the end of run " + runId
                + ", which ended SUCCEEDED with event " + last + " (use " + last + " or less)";

        assertCode(() -> client.getRunHistory(runId, last + 1, 0), "OUT_OF_RANGE", expected);
        DaemonCallException watch = watchError(runId, last + 1);
        assertThat(watch.code()).isEqualTo("OUT_OF_RANGE");
        assertThat(watch.getMessage()).isEqualTo(expected);
        // Up to the last sequence is fine: nothing more to read, and a watch completes at once.
        assertThat(client.getRunHistory(runId, last, 0)).isEmpty();
        assertThat(daemon.watchToEnd(runId, last, TIMEOUT)).isEmpty();
    }

    @Test
    void readingPastTheLastEventOfALiveRunWaitsForTheEventsToCome() {
        client.pushBundle(TestBundles.scripted("slow-answer", 5, "allow", TestBundles.textTurn("done", 1_500)));
        String runId = client.startRun("slow-answer", "go", "", "").run().runId();
        Await.until("the model call to be in flight", TIMEOUT,
                () -> client.getRunHistory(runId, 0, 0).stream().anyMatch(e -> e.type().equals("model_requested")));
        long last = client.getRun(runId).lastSequence();

        assertThat(client.getRunHistory(runId, last + 1, 0)).isEmpty();
        List<RunEventInfo> later = daemon.watchToEnd(runId, last + 1, TIMEOUT);

        assertThat(later).isNotEmpty().allSatisfy(e -> assertThat(e.sequence()).isGreaterThan(last + 1));
        assertThat(later.get(later.size() - 1).type()).isEqualTo("run_finished");
    }

    @Test
    void tenantFiltersAreTrimmedAsStartRunTrimsTheTenant() {
        String acme = client.startRun("hello", "a", " acme ", "").run().runId();
        client.startRun("hello", "b", "globex", "");

        Page<RunInfo> spaced = client.listRuns(new RunFilter(Set.of(), "", "  acme\t"), 1, "");

        assertThat(client.getRun(acme).tenant()).isEqualTo("acme");
        assertThat(spaced.items()).extracting(RunInfo::runId).containsExactly(acme);
        assertThat(spaced.hasMore()).isFalse();
        assertThat(client.listRuns(new RunFilter(Set.of(), "", " "), 0, "").items()).hasSize(2);
    }

    private DaemonCallException watchError(String runId, long after) throws Exception {
        CompletableFuture<DaemonCallException> error = new CompletableFuture<>();
        client.watchRun(runId, after, new StreamListener<>() {
            @Override
            public void onItem(RunEventInfo item) {
                error.completeExceptionally(new AssertionError("unexpected event " + item));
            }

            @Override
            public void onError(DaemonCallException e) {
                error.complete(e);
            }
        });
        return error.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWatchStartedBeforeTheRunFinishesReceivesLiveEventsAndCompletes() {
        client.pushBundle(TestBundles.scripted("slow", 5, "allow",
                TestBundles.lookupTurn("A-1001", 300) + TestBundles.textTurn("done", 300)));
        String runId = client.startRun("slow", "go", "", "").run().runId();

        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);

        assertThat(HashChain.verify(events)).isEmpty();
        assertThat(events.get(events.size() - 1).type()).isEqualTo("run_finished");
        assertThat(client.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);
    }

    @Test
    void watchRunsSendsTheNewRunAndItsStatusChangesForTheTenant() throws Exception {
        List<RunInfo> updates = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> succeeded = new CompletableFuture<>();
        try (var sub = client.watchRuns("acme", new StreamListener<>() {
            @Override
            public void onItem(RunInfo run) {
                updates.add(run);
                if (run.state() == RunState.SUCCEEDED) {
                    succeeded.complete(null);
                }
            }
        })) {
            // The subscription is asynchronous: a run started now may race it, so start until seen.
            // Updates are coalesced per run, so the run stays RUNNING long enough to be seen so.
            client.pushBundle(TestBundles.scripted("hello-slow", 5, "allow", TestBundles.textTurn("hi", 300)));
            client.startRun("hello-slow", "other tenant", "globex", "");
            String runId = client.startRun("hello-slow", "a", "acme", "").run().runId();
            succeeded.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(updates).allSatisfy(r -> assertThat(r.tenant()).isEqualTo("acme"));
            assertThat(updates).extracting(RunInfo::runId).containsOnly(runId);
            assertThat(updates).extracting(RunInfo::state).contains(RunState.RUNNING, RunState.SUCCEEDED);
        }
    }

    @Test
    void cancellingATerminalRunReturnsItUnchanged() {
        String runId = client.startRun("hello", "a", "", "").run().runId();
        daemon.watchToEnd(runId, 0, TIMEOUT);

        RunInfo cancelled = client.cancelRun(runId, "too late", "ann");

        assertThat(cancelled.state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(cancelled.lastSequence()).isEqualTo(client.getRun(runId).lastSequence());
    }
}
