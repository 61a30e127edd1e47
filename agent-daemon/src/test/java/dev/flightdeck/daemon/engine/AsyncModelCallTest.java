package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.bundle.BundleParser;
import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.model.ModelProvider;
import dev.flightdeck.daemon.model.ModelProviders;
import dev.flightdeck.daemon.model.ModelReply;
import dev.flightdeck.daemon.model.ModelRequest;
import dev.flightdeck.daemon.model.ScriptedProvider;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.run.TerminalReason;
import dev.flightdeck.daemon.store.BundleRepository;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.RunHold;
import dev.flightdeck.daemon.tool.ToolExecutor;
import dev.flightdeck.daemon.tool.ToolRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run waiting for its model holds no thread: the scheduler's worker starts the call and goes on,
 * and the run comes back to a worker when the answer arrives. Cancel, the wall-time limit and a
 * drain still reach a call in flight. Writes from the API to runs held this way (decisions,
 * cancels) never make the calling thread wait for the worker.
 */
class AsyncModelCallTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private Database db;
    private RunRepository runs;
    private RunEventRepository events;
    private BundleRegistry bundles;
    private AgentLoop loop;
    private RunScheduler scheduler;
    private final EventCodec codec = new EventCodec();
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final HeldProvider model = new HeldProvider(new ScriptedProvider(timer));

    /**
     * The scripted model, except that its answers are held back until the test lets them go:
     * counts the calls issued and the calls in flight.
     */
    private static final class HeldProvider implements ModelProvider {
        final ScriptedProvider scripted;
        final CompletableFuture<Void> gate = new CompletableFuture<>();
        final AtomicInteger issued = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final List<CompletableFuture<ModelReply>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

        HeldProvider(ScriptedProvider scripted) {
            this.scripted = scripted;
        }

        @Override
        public String name() {
            return ScriptedProvider.NAME;
        }

        /** When set, every call throws it at once instead of answering. */
        volatile Error throwOnCall;
        /** When set, every call keeps its caller's thread (the worker) until it completes, like a slow step. */
        volatile CompletableFuture<Void> keepTheWorker;

        @Override
        public CompletableFuture<ModelReply> call(ModelRequest request) {
            issued.incrementAndGet();
            if (keepTheWorker != null) {
                keepTheWorker.join();
            }
            if (throwOnCall != null) {
                throw throwOnCall;
            }
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<ModelReply> call = gate.thenCompose(v -> scripted.call(request));
            call.whenComplete((r, e) -> inFlight.decrementAndGet());
            calls.add(call);
            return call;
        }
    }

    @BeforeEach
    void wire() {
        db = Database.open(dir.resolve("db"));
        runs = new RunRepository(db);
        events = new RunEventRepository(db);
        ToolRegistry tools = ToolRegistry.builtins(dir);
        ModelProviders providers = new ModelProviders(List.of(model));
        bundles = new BundleRegistry(new BundleParser(providers.names(), tools.implementations()),
                new BundleRepository(db), Clock.systemUTC());
        EventLog log = new EventLog(events, codec, new RunFeed(), Clock.systemUTC());
        loop = new AgentLoop(runs, events, codec, log, bundles, providers, new ToolExecutor(tools));
    }

    @AfterEach
    void close() {
        model.gate.complete(null);
        if (scheduler != null) {
            scheduler.close();
        }
        timer.shutdownNow();
        db.close();
    }

    private String push(String limits) {
        return bundles.push("""
                name: async
                system_prompt: p
                model:
                  provider: scripted
                  model: m
                  script:
                    - text: done
                limits:
                  max_steps: 3
                """ + limits).versionId();
    }

    private List<String> queue(String version, int n, String tenant) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "run-" + tenant + "-" + i;
            runs.insert(RunRecord.queued(id, "async", version, tenant, "input " + tenant + " " + i, "", Instant.now()));
            ids.add(id);
        }
        return ids;
    }

    private RunRecord run(String id) {
        return runs.find(id).orElseThrow();
    }

    private List<String> types(String id) {
        return events.readAll(id).stream().map(RunEventRecord::type).toList();
    }

    private static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    @Test
    void twoHundredRunsWaitForTheirModelAtOnceOnAFewThreads() {
        int n = 200;
        scheduler = new RunScheduler(loop, runs, n, tenant -> n, 4);
        List<String> ids = queue(push(""), n, "a");
        int before = liveThreads();

        scheduler.resumeUnfinished();
        Await.until("all " + n + " model calls in flight", TIMEOUT, () -> model.inFlight.get() == n);

        int during = liveThreads();
        assertThat(scheduler.awaitingModel()).isEqualTo(n);
        assertThat(scheduler.busyWorkers()).as("runs in progress keep their slots").isEqualTo(n);
        // 4 workers, the dispatcher and a few JDK helpers at most: not one thread per waiting run.
        assertThat(during - before).as("threads added while %d runs wait for their model", n).isLessThanOrEqualTo(10);
        assertThat(ids).allSatisfy(id -> assertThat(types(id)).endsWith("model_requested"));

        model.gate.complete(null);
        Await.until("all runs finish", TIMEOUT, () -> ids.stream().allMatch(id -> run(id).status().isTerminal()));
        assertThat(ids).allSatisfy(id -> {
            assertThat(run(id).status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(types(id)).containsExactly("run_started", "model_requested", "model_responded", "run_finished");
        });
        assertThat(model.issued.get()).isEqualTo(n);
        assertThat(scheduler.busyWorkers()).isZero();
    }

    @Test
    void aRunWaitingForItsModelKeepsItsSlotSoTheLimitsStillHold() {
        scheduler = new RunScheduler(loop, runs, 5, tenant -> 2, 2);
        String version = push("");
        List<String> a = queue(version, 6, "a");
        List<String> b = queue(version, 6, "b");
        List<String> c = queue(version, 6, "c");

        scheduler.resumeUnfinished();
        Await.until("five calls in flight", TIMEOUT, () -> model.inFlight.get() == 5);

        assertThat(scheduler.busyWorkers()).isEqualTo(5);
        for (List<String> tenant : List.of(a, b, c)) {
            assertThat(tenant.stream().filter(id -> run(id).status() == RunStatus.RUNNING).count())
                    .as("runs of one tenant in progress").isLessThanOrEqualTo(2);
        }
        model.gate.complete(null);
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(c);
        Await.until("all runs finish", TIMEOUT, () -> all.stream().allMatch(id -> run(id).status().isTerminal()));
        assertThat(model.maxInFlight.get()).isEqualTo(5);
    }

    @Test
    void cancellingARunWhoseCallIsInFlightCancelsTheCallAndCommitsNoLateAnswer() {
        scheduler = new RunScheduler(loop, runs, 4);
        String id = queue(push(""), 1, "a").get(0);
        scheduler.resumeUnfinished();
        Await.until("the call is in flight", TIMEOUT, () -> model.inFlight.get() == 1);

        scheduler.cancel(run(id), "alice", "not needed", CallerWait.unbounded());
        Await.until("the run ends", TIMEOUT, () -> run(id).status().isTerminal());
        model.gate.complete(null); // the answer arrives late

        assertThat(model.calls.get(0)).isCancelled();
        assertThat(run(id).status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(run(id).statusMessage()).isEqualTo("cancelled by alice: not needed");
        Await.until("the run is let go", TIMEOUT, () -> scheduler.busyWorkers() == 0);
        assertThat(types(id)).containsExactly("run_started", "model_requested", "cancel_requested", "run_finished");
    }

    @Test
    void aCancelOfARunAWorkerHoldsAnswersWithTheRunAsCancelledOnceTheWorkerAppliedIt() throws Exception {
        scheduler = new RunScheduler(loop, runs, 4);
        String id = queue(push(""), 1, "a").get(0);
        scheduler.resumeUnfinished();
        Await.until("the call is in flight", TIMEOUT, () -> model.inFlight.get() == 1);

        RunRecord answered = scheduler.cancel(run(id), "alice", "not needed", CallerWait.unbounded())
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        assertThat(answered).isEqualTo(run(id));
        assertThat(answered.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(answered.statusMessage()).isEqualTo("cancelled by alice: not needed");
    }

    @Test
    void aCancelTheWorkerCannotApplyWithinTheCallersWaitIsAnsweredWithTheRunAsItIsAndAppliedAfterwards()
            throws Exception {
        model.keepTheWorker = new CompletableFuture<>();
        scheduler = new RunScheduler(loop, runs, 4);
        String id = queue(push(""), 1, "a").get(0);
        scheduler.resumeUnfinished();
        Await.until("the worker is in its step", TIMEOUT, () -> model.issued.get() == 1);

        RunRecord answered = scheduler.cancel(run(id), "alice", "not needed", CallerWait.upTo(Duration.ofMillis(300)))
                .get(5, TimeUnit.SECONDS);

        assertThat(answered.status()).as("answered before the caller's deadline, as it is").isEqualTo(RunStatus.RUNNING);
        model.keepTheWorker.complete(null);
        Await.until("the run ends", TIMEOUT, () -> run(id).status().isTerminal());
        assertThat(run(id).status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(run(id).statusMessage()).isEqualTo("cancelled by alice: not needed");
    }

    @Test
    void anErrorThrownWhileDrivingARunFailsThatRunOnceInsteadOfPickingItAgainForever() {
        model.throwOnCall = new NoClassDefFoundError("com/example/MissingFromThePluginJar");
        scheduler = new RunScheduler(loop, runs, 4);
        String id = queue(push(""), 1, "a").get(0);
        scheduler.resumeUnfinished();

        Await.until("the run ends", TIMEOUT, () -> run(id).status().isTerminal());
        Await.until("the run is let go", TIMEOUT, () -> scheduler.busyWorkers() == 0);

        assertThat(run(id).status()).isEqualTo(RunStatus.FAILED);
        assertThat(run(id).statusMessage()).startsWith("internal error in the daemon (error id ");
        assertThat(model.issued.get()).as("driven once, not picked again").isEqualTo(1);
    }

    @Test
    void aCallStillInFlightWhenTheWallTimeIsUpIsAbandonedAndItsAnswerNeverCommitted() {
        scheduler = new RunScheduler(loop, runs, 4);
        String id = queue(push("  max_wall_time_seconds: 1\n"), 1, "a").get(0);
        scheduler.resumeUnfinished();

        Await.until("the run times out", TIMEOUT, () -> run(id).status().isTerminal());
        model.gate.complete(null);

        assertThat(run(id).status()).isEqualTo(RunStatus.FAILED);
        assertThat(run(id).terminalReason()).isEqualTo(TerminalReason.TIMED_OUT);
        assertThat(model.calls.get(0)).isCompletedExceptionally();
        assertThat(types(id)).containsExactly("run_started", "model_requested", "guardrail_tripped", "run_finished");
    }

    @Test
    void aDrainAbandonsACallInFlightAndTheNextSchedulerIssuesTheCommittedRequestAgain() {
        scheduler = new RunScheduler(loop, runs, 4);
        String id = queue(push(""), 1, "a").get(0);
        scheduler.resumeUnfinished();
        Await.until("the call is in flight", TIMEOUT, () -> model.inFlight.get() == 1);

        scheduler.drain(Duration.ofMillis(100));

        assertThat(model.calls.get(0)).isCancelled();
        assertThat(run(id).status()).isEqualTo(RunStatus.RUNNING);
        assertThat(types(id)).containsExactly("run_started", "model_requested");

        model.gate.complete(null);
        scheduler = new RunScheduler(loop, runs, 4);
        scheduler.resumeUnfinished();
        Await.until("the run finishes", TIMEOUT, () -> run(id).status().isTerminal());

        assertThat(run(id).status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(model.issued.get()).as("the request without a response is issued again").isEqualTo(2);
        assertThat(types(id)).containsExactly("run_started", "model_requested", "model_responded", "run_finished");
    }

    @Test
    void writesToRunsHeldByWorkersAreQueuedWithoutTyingUpTheCallingThreadsAndAppliedOnceEachWhenLetGo()
            throws Exception {
        int n = 20;
        int writes = 400;
        scheduler = new RunScheduler(loop, runs, n, tenant -> n, 2);
        List<String> ids = queue(push(""), n, "a");
        scheduler.resumeUnfinished();
        Await.until("all " + n + " runs held waiting for their model", TIMEOUT, () -> model.inFlight.get() == n);
        int threadsBefore = liveThreads();

        // Two "rpc" threads take 400 writes to the held runs: each call returns at once with a future.
        ExecutorService rpc = Executors.newFixedThreadPool(2);
        try {
            AtomicInteger[] applied = new AtomicInteger[n];
            for (int r = 0; r < n; r++) {
                applied[r] = new AtomicInteger();
            }
            List<Future<CompletableFuture<String>>> calls = new ArrayList<>();
            for (int i = 0; i < writes; i++) {
                int run = i % n;
                String result = "write " + i;
                calls.add(rpc.submit(() -> scheduler.whenHeld(ids.get(run), () -> {
                    applied[run].incrementAndGet();
                    return result;
                })));
            }
            List<CompletableFuture<String>> results = new ArrayList<>();
            for (Future<CompletableFuture<String>> call : calls) {
                results.add(call.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)); // the calling thread is free again
            }
            assertThat(rpc.submit(() -> "another rpc").get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .as("the rpc threads still serve while every run stays held").isEqualTo("another rpc");
            assertThat(results).as("nothing applied while the workers hold the runs").noneMatch(CompletableFuture::isDone);
            assertThat(liveThreads() - threadsBefore).as("threads added by 400 waiting writes").isLessThanOrEqualTo(4);

            model.gate.complete(null);
            for (int i = 0; i < writes; i++) {
                assertThat(results.get(i).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("write " + i);
            }
            for (int r = 0; r < n; r++) {
                assertThat(applied[r].get()).as("writes applied to run %d", r).isEqualTo(writes / n);
            }
        } finally {
            rpc.shutdownNow();
        }
        Await.until("all runs finish", TIMEOUT, () -> ids.stream().allMatch(id -> run(id).status().isTerminal()));
        assertThat(ids).allSatisfy(id -> assertThat(run(id).status()).isEqualTo(RunStatus.SUCCEEDED));
    }

    @Test
    void aWriteWhoseRunStaysHeldLongerThanTheHoldWaitIsRefusedAsBusyAndNeverApplied() {
        scheduler = new RunScheduler(loop, runs, 4, tenant -> 4, 2, Duration.ofMillis(200));
        String id = queue(push(""), 1, "a").get(0);
        scheduler.resumeUnfinished();
        Await.until("the call is in flight", TIMEOUT, () -> model.inFlight.get() == 1);
        AtomicInteger applied = new AtomicInteger();

        CompletableFuture<Integer> write = scheduler.whenHeld(id, applied::incrementAndGet);

        assertThatThrownBy(() -> write.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(dev.flightdeck.daemon.error.FailedPreconditionException.class)
                .hasMessage("run " + id + " is busy; try again");
        model.gate.complete(null);
        Await.until("the run finishes", TIMEOUT, () -> run(id).status().isTerminal());
        Await.until("the run is let go", TIMEOUT, () -> scheduler.busyWorkers() == 0);
        assertThat(applied.get()).as("a refused write is never applied").isZero();
    }

    /**
     * Queues a write on {@code id} (nobody may hold it) that blocks on a write thread until
     * {@code release} completes; returns once it is being applied there.
     */
    private void applyingOnAWriteThreadUntil(String id, CompletableFuture<Void> release) throws Exception {
        CompletableFuture<String> applying = new CompletableFuture<>();
        CompletableFuture<Void> holderRelease = new CompletableFuture<>();
        CompletableFuture<Void> holding = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> scheduler.whenHeld(id, () -> {
            holding.complete(null);
            return holderRelease.join();
        }));
        holding.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        scheduler.whenHeld(id, () -> {
            applying.complete(Thread.currentThread().getName());
            return release.join();
        });
        holderRelease.complete(null); // the run is let go: the queued write goes to a write thread
        assertThat(applying.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).startsWith("run-writes-");
    }

    @Test
    void aWriteIsRefusedAsBusyBeforeItsCallersDeadlineEvenWhileSlowWritesTakeEveryWriteThread() throws Exception {
        scheduler = new RunScheduler(loop, runs, 4);
        CompletableFuture<Void> slowWritesEnd = new CompletableFuture<>();
        try {
            applyingOnAWriteThreadUntil("run-slow-1", slowWritesEnd);
            applyingOnAWriteThreadUntil("run-slow-2", slowWritesEnd); // both write threads now busy
            AtomicInteger applied = new AtomicInteger();
            CompletableFuture<Integer> write;
            long sent;
            try (RunHold ignored = RunHold.of(scheduler, "run-held")) {
                sent = System.nanoTime();
                write = scheduler.whenHeld("run-held", applied::incrementAndGet, CallerWait.upTo(Duration.ofMillis(300)));

                assertThatThrownBy(() -> write.get(5, TimeUnit.SECONDS))
                        .as("refused while the slow writes still take both write threads")
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(dev.flightdeck.daemon.error.FailedPreconditionException.class)
                        .hasMessage("run run-held is busy; try again");
                assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("refused after").isLessThan(Duration.ofSeconds(2));
                slowWritesEnd.complete(null);
            }
            assertThat(applied.get()).as("a refused write is never applied").isZero();
        } finally {
            slowWritesEnd.complete(null);
        }
    }

    @Test
    void aCancelQueuedBehindAnotherWriteIsAppliedAfterItAndAnswersWithTheCancelledRun() throws Exception {
        scheduler = new RunScheduler(loop, runs, 4);
        String id = queue(push(""), 1, "a").get(0); // QUEUED: the dispatcher is not started, no worker holds it
        CompletableFuture<Void> holding = new CompletableFuture<>();
        CompletableFuture<Void> release = new CompletableFuture<>();

        // The first write is applied by its caller (nobody held the run) and holds it until released.
        CompletableFuture<CompletableFuture<String>> first = CompletableFuture.supplyAsync(() -> scheduler.whenHeld(id,
                () -> {
                    holding.complete(null);
                    release.join();
                    return "first";
                }));
        holding.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        CompletableFuture<RunRecord> cancel = scheduler.cancel(run(id), "alice", "not needed", CallerWait.unbounded());
        assertThat(cancel).as("queued, not waited for").isNotDone();

        release.complete(null);
        assertThat(first.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo("first");
        RunRecord cancelled = cancel.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(types(id)).containsExactly("cancel_requested", "run_finished");
    }

    @Test
    void aQueuedWriteIsAppliedAndAnsweredOnAWriteThreadNotOnTheThreadOfTheCallerHoldingTheRun() throws Exception {
        scheduler = new RunScheduler(loop, runs, 4);
        String id = "run-without-a-row"; // held by API writes only: the dispatcher never picks it
        AtomicReference<String> answeredOn = new AtomicReference<>();
        CompletableFuture<String> second;

        try (RunHold ignored = RunHold.of(scheduler, id)) { // another caller's write, applied on its own thread
            second = scheduler.whenHeld(id, () -> Thread.currentThread().getName()).thenApply(appliedOn -> {
                answeredOn.set(Thread.currentThread().getName());
                return appliedOn;
            });
        }

        assertThat(second.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("applied on").startsWith("run-writes-");
        assertThat(answeredOn.get()).as("answered on").startsWith("run-writes-");
    }

    @Test
    void aWriteQueuedOnARunAWorkerHoldsIsAppliedAndAnsweredOffTheWorkerThreads() throws Exception {
        scheduler = new RunScheduler(loop, runs, 4);
        String id = queue(push(""), 1, "a").get(0);
        scheduler.resumeUnfinished();
        Await.until("the call is in flight", TIMEOUT, () -> model.inFlight.get() == 1);

        CompletableFuture<String> write = scheduler.whenHeld(id, () -> Thread.currentThread().getName())
                .thenApply(appliedOn -> appliedOn + " / " + Thread.currentThread().getName());
        model.gate.complete(null);

        assertThat(write.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("applied on / answered on")
                .matches("run-writes-\\d+ / run-writes-\\d+");
        Await.until("the run finishes", TIMEOUT, () -> run(id).status().isTerminal());
    }

    @Test
    void aQueuedWriteWhoseCallerLeavesIsEitherWithdrawnAndNeverAppliedOrAppliedOnceAndAnsweredWithItsResult()
            throws Exception {
        scheduler = new RunScheduler(loop, runs, 4);
        String id = "run-without-a-row"; // held by API writes only: the dispatcher never picks it
        ExecutorService threads = Executors.newSingleThreadExecutor();
        int withdrawn = 0;
        int answered = 0;
        try {
            for (int round = 0; round < 50; round++) {
                int n = 20;
                AtomicInteger[] applied = new AtomicInteger[n];
                CallerWait[] callers = new CallerWait[n];
                List<CompletableFuture<Integer>> writes = new ArrayList<>();
                Future<?> leaving;
                try (RunHold ignored = RunHold.of(scheduler, id)) {
                    for (int i = 0; i < n; i++) {
                        AtomicInteger count = applied[i] = new AtomicInteger();
                        callers[i] = CallerWait.upTo(TIMEOUT);
                        int result = i;
                        writes.add(scheduler.whenHeld(id, () -> {
                            count.incrementAndGet();
                            return result;
                        }, callers[i]));
                    }
                    // The callers leave, last first, while the run is let go and their writes applied.
                    leaving = threads.submit(() -> {
                        for (int i = n - 1; i >= 0; i--) {
                            callers[i].leave();
                        }
                    });
                }
                leaving.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

                for (int i = 0; i < n; i++) {
                    CompletableFuture<Integer> w = writes.get(i);
                    try {
                        assertThat(w.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(i);
                        assertThat(applied[i].get()).as("write %d, answered", i).isEqualTo(1);
                        answered++;
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(dev.flightdeck.daemon.error.CancelledException.class);
                        assertThat(applied[i].get()).as("write %d, withdrawn", i).isZero();
                        withdrawn++;
                    }
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(withdrawn + answered).isEqualTo(50 * 20);
        Await.until("every write applied or withdrawn left the run's queue", TIMEOUT,
                () -> scheduler.queuedWrites() == 0);
    }
}
