package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.error.CancelledException;
import dev.flightdeck.daemon.error.FailedPreconditionException;
import dev.flightdeck.daemon.error.UnavailableException;
import dev.flightdeck.daemon.model.ModelReply;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.store.TransactionTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Executes runs on a bounded pool of workers, fed from the database: the queue is the set of
 * runs stored QUEUED (or RUNNING with no worker: left by a previous daemon, or resumed after an
 * approval), so queued runs survive restarts and memory holds no per-run queue entries.
 *
 * <p>One dispatcher thread picks the next run whenever something changes (a run was submitted, a
 * worker finished) and once a second: round-robin over the tenants that have runnable runs
 * (starting after the tenant served last), oldest run first within a tenant, skipping tenants at
 * their concurrency limit, while fewer than the global limit of runs execute. So a tenant with
 * 1,000 queued runs delays another tenant's single run by at most one slot.
 *
 * <p>It also owns who may write to a run: at most one worker, or one idle-cancel, holds a run at a
 * time. A run waiting for approval holds no worker.
 *
 * <p>A run waiting for a model response, or for a tool to return, holds no thread either, but keeps
 * its hold and its slot: its worker starts the call and returns to the pool, and when the call
 * completes the run is handed back to a worker with the completed call ({@link Holder#takeModelCall},
 * {@link Holder#takeToolCall}). So the limits ({@code --max-concurrent-runs}, per tenant) bound runs
 * <em>in progress</em> (executing a step, waiting for their model or running a tool), while the
 * pool of worker threads only bounds runs executing a step at the same instant:
 * {@code min(max concurrent runs, }{@link #DEFAULT_STEP_THREADS}{@code )}, one per core (ADR 0020).
 *
 * <p>Workers take turns: a run just picked (new, or resumed after a restart) is started before the
 * next turn of a run already in progress, and a run whose model answered gives its worker up
 * when runs wait for one ({@link RunControl#yieldWorker}). So every run picked up is continuing
 * from its last committed event after one step's worth of work per run, not after the whole of
 * the runs picked before it.
 *
 * <p>Writes to a run from the API (a decision, a cancel of a run no worker executes) never wait
 * on a thread for a worker: {@link #whenHeld} applies them at once when nobody holds the run, and
 * otherwise queues them on the run, to be applied on a write thread once its holder lets go of it;
 * the caller gets a future that completes once the write is applied, or refused within the
 * caller's wait (then it is never applied).
 */
public final class RunScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunScheduler.class);
    /** How long workers get to reach a safe point once their model calls are abandoned. */
    private static final Duration ABANDON_WAIT = Duration.ofSeconds(5);
    /** Runs picked together whose states are read with one query. */
    private static final int RESTORE_BATCH = 100;
    /** The dispatcher also looks at the queue this often, whatever it was told. */
    private static final Duration TICK = Duration.ofSeconds(1);
    /** How long a write queued by {@link #whenHeld} waits at most for the run to be let go (less if its caller's deadline is nearer). */
    private static final Duration HOLD_WAIT = Duration.ofSeconds(10);
    /**
     * Worker threads when not given: one per core (at least 2). A worker only does a step's CPU
     * work (deciding, encoding, committing): runs waiting for their model or for a tool hold no
     * thread, so more workers than cores would only make commits wait for a core (ADR 0020:
     * p99 commit latency 10-18 ms with 8 workers on 2 cores, 3-4.6 ms with 2).
     */
    public static final int DEFAULT_STEP_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** Threads applying queued API writes and answering their callers. */
    private static final int WRITE_THREADS = 2;
    /** Idle worker threads end after this; an idle daemon holds none. */
    private static final Duration THREAD_KEEP_ALIVE = Duration.ofSeconds(30);

    private final AgentLoop loop;
    private final RunRepository runs;
    private final int maxConcurrent;
    private final ToIntFunction<String> tenantLimit;
    private final Duration holdWait;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService dispatcher;
    /**
     * Applies writes queued on runs once their holder lets go and answers their callers: neither
     * a worker nor another caller's rpc thread does that work.
     */
    private final ScheduledThreadPoolExecutor writeThreads;
    /**
     * Times the waits of queued writes and refuses them as busy: a thread of its own, so a slow
     * write being applied on the write threads never delays a refusal past its caller's deadline.
     */
    private final ScheduledThreadPoolExecutor writeTimers;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    /** Orders the turns of equal rank first come, first served. */
    private final AtomicLong turnCount = new AtomicLong();
    /** Runs someone is writing to, guarded by {@code this}; critical sections are short. */
    private final Map<String, Holder> holders = new HashMap<>();
    /** Writes waiting for a held run to be let go, in arrival order; guarded by {@code this}. */
    private final Map<String, ArrayDeque<HeldWrite<?>>> waitingWrites = new HashMap<>();
    /** Runs in progress per tenant, guarded by {@code this}. */
    private final Map<String, Integer> busyByTenant = new HashMap<>();
    /** Runs in progress (held by a worker, executing a step, waiting for their model or running a tool), guarded by {@code this}. */
    private int busy;
    /** The tenant served last, so the next pick starts after it; dispatcher thread only. */
    private String lastTenant = "";
    private volatile boolean draining;
    private volatile boolean abandon;

    /**
     * Who holds a run: a worker (which checks the cancel flag at safe points) or an idle cancel. A
     * worker's hold lasts while the run waits for its model: it keeps the call in flight, which a
     * cancel or an abandoning drain cancels.
     */
    private final class Holder implements RunControl {
        private final String tenant;
        private volatile EventPayload.CancelRequested cancel;
        private volatile CompletableFuture<ModelReply> call;
        private volatile AgentLoop.ToolInFlight toolCall;
        private volatile AgentLoop.Kept kept;
        /** CancelRun callers waiting for the cancel this worker applies, answered when it lets go; guarded by the scheduler. */
        private final List<CancelAnswer> cancelAnswers = new ArrayList<>();

        Holder(String tenant) {
            this.tenant = tenant;
        }

        boolean isWorker() {
            return tenant != null;
        }

        @Override
        public EventPayload.CancelRequested cancelRequest() {
            return cancel;
        }

        @Override
        public boolean stopAtStepBoundary() {
            return draining;
        }

        @Override
        public boolean abandonNow() {
            return abandon;
        }

        @Override
        public void awaitModelCall(CompletableFuture<ModelReply> c) {
            call = c;
            if (cancel != null || abandon) {
                c.cancel(true); // the cancel (or drain) came as the call started; it saw no call to cancel
            }
        }

        @Override
        public CompletableFuture<ModelReply> takeModelCall() {
            CompletableFuture<ModelReply> c = call;
            if (c == null) {
                return null;
            }
            if (!c.isDone()) {
                throw new IllegalStateException("the run's model call is still in flight");
            }
            call = null;
            return c;
        }

        @Override
        public void awaitToolCall(AgentLoop.ToolInFlight t) {
            toolCall = t;
        }

        @Override
        public AgentLoop.ToolInFlight takeToolCall() {
            AgentLoop.ToolInFlight t = toolCall;
            if (t == null) {
                return null;
            }
            if (!t.outcome().isDone()) {
                throw new IllegalStateException("the run's tool call is still executing");
            }
            toolCall = null;
            return t;
        }

        @Override
        public boolean yieldWorker() {
            return !workers.getQueue().isEmpty();
        }

        @Override
        public void keep(AgentLoop.Kept state) {
            kept = state;
        }

        @Override
        public AgentLoop.Kept takeKept() {
            AgentLoop.Kept k = kept;
            kept = null;
            return k;
        }

        /** Cancels the model call in flight, if any: the run is then handed back to a worker. */
        void cancelCall() {
            CompletableFuture<ModelReply> c = call;
            if (c != null) {
                c.cancel(true);
            }
        }
    }

    /** A CancelRun caller's answer, and the run as read before the cancel (answered if it cannot be read again). */
    private record CancelAnswer(CompletableFuture<RunRecord> answer, RunRecord before) {
        void completeWithStored(RunRepository runs) {
            answer.complete(storedOr(runs, before));
        }
    }

    /**
     * A worker's turn at a run: a run's first turn after it was picked goes before the further
     * turns of runs in progress (after a model answer or a yield); turns of one rank in order.
     */
    private static final class Turn implements Runnable, Comparable<Turn> {
        private final boolean first;
        private final long order;
        private final Runnable body;

        Turn(boolean first, long order, Runnable body) {
            this.first = first;
            this.order = order;
            this.body = body;
        }

        @Override
        public void run() {
            body.run();
        }

        @Override
        public int compareTo(Turn other) {
            return first != other.first ? (first ? -1 : 1) : Long.compare(order, other.order);
        }
    }

    /**
     * A write to a run that must not race a worker: applied once, by its caller when nobody holds
     * the run, else on a write thread once the holder lets go of it; or refused before it is
     * applied, and then never applied: as busy when the run stays held longer than the hold wait
     * (or than its caller's deadline allows), or withdrawn when its caller leaves. One flag decides
     * which comes first, so a caller told "busy" or "cancelled" never has its write applied, and an
     * applied write is always answered with its result.
     */
    private final class HeldWrite<T> {
        private final String runId;
        private final Supplier<T> write;
        private final CompletableFuture<T> done = new CompletableFuture<>();
        private final AtomicBoolean claimed = new AtomicBoolean();
        private volatile Future<?> expiry;

        HeldWrite(String runId, Supplier<T> write) {
            this.runId = runId;
            this.write = write;
        }

        /**
         * Applies the write while the run is held, unless it was refused. Its future completes on
         * {@code answerOn}: for a queued write, a write thread, so its caller's answer (and what
         * depends on it) never runs on the thread that holds the run.
         */
        void apply(Executor answerOn) {
            if (!claimed.compareAndSet(false, true)) {
                return;
            }
            Future<?> timer = expiry;
            if (timer != null) {
                timer.cancel(false);
            }
            T result;
            try {
                result = write.get();
            } catch (RuntimeException | Error e) {
                answerOn.execute(() -> done.completeExceptionally(e));
                return;
            }
            answerOn.execute(() -> done.complete(result));
        }

        /** Waits for the run at most {@code wait}, then is refused as busy. */
        void expireAfter(Duration wait) {
            try {
                expiry = writeTimers.schedule(() -> refuse(new FailedPreconditionException("run " + runId
                        + " is busy; try again")), wait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // The daemon is stopping (the drain refuses what waited, or already has): refuse
                // this one too, or a caller without a deadline would wait for ever.
                refuse(new UnavailableException("the daemon is stopping; run " + runId
                        + " was busy and nothing was changed"));
            }
        }

        /** Refuses the write unless it was applied already: it leaves the run's queue, never to be applied. */
        void refuse(RuntimeException why) {
            if (claimed.compareAndSet(false, true)) {
                forget(this);
                done.completeExceptionally(why);
            }
        }
    }

    /**
     * @param maxConcurrent runs in progress at once, over all tenants (executing a step or waiting
     *                      for a model response)
     * @param tenantLimit   runs of one tenant in progress at once
     * @param stepThreads   worker threads: runs executing a step at the same instant
     */
    public RunScheduler(AgentLoop loop, RunRepository runs, int maxConcurrent, ToIntFunction<String> tenantLimit,
                        int stepThreads) {
        this(loop, runs, maxConcurrent, tenantLimit, stepThreads, HOLD_WAIT);
    }

    /** @param holdWait how long a write waits for a worker to let go of its run before it is refused as busy */
    RunScheduler(AgentLoop loop, RunRepository runs, int maxConcurrent, ToIntFunction<String> tenantLimit,
                 int stepThreads, Duration holdWait) {
        this.loop = loop;
        this.runs = runs;
        this.maxConcurrent = maxConcurrent;
        this.tenantLimit = tenantLimit;
        this.holdWait = holdWait;
        int threads = Math.max(1, Math.min(maxConcurrent, stepThreads));
        this.workers = new ThreadPoolExecutor(threads, threads, THREAD_KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS,
                new PriorityBlockingQueue<>(), named("run-worker"));
        this.workers.allowCoreThreadTimeOut(true);
        this.dispatcher = Executors.newSingleThreadScheduledExecutor(named("run-dispatcher"));
        this.writeThreads = new ScheduledThreadPoolExecutor(WRITE_THREADS, named("run-writes"));
        this.writeThreads.setRemoveOnCancelPolicy(true); // an applied write leaves no timer behind
        this.writeThreads.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.writeThreads.setKeepAliveTime(THREAD_KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
        this.writeThreads.allowCoreThreadTimeOut(true);
        this.writeTimers = new ScheduledThreadPoolExecutor(1, named("run-write-timers"));
        this.writeTimers.setRemoveOnCancelPolicy(true);
        this.writeTimers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.writeTimers.setKeepAliveTime(THREAD_KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
        this.writeTimers.allowCoreThreadTimeOut(true);
    }

    /** A scheduler with {@link #DEFAULT_STEP_THREADS} worker threads at most. */
    public RunScheduler(AgentLoop loop, RunRepository runs, int maxConcurrent, ToIntFunction<String> tenantLimit) {
        this(loop, runs, maxConcurrent, tenantLimit, DEFAULT_STEP_THREADS);
    }

    /** A scheduler with one limit for every tenant. */
    public RunScheduler(AgentLoop loop, RunRepository runs, int maxConcurrent) {
        this(loop, runs, maxConcurrent, tenant -> maxConcurrent);
    }

    /** True once the daemon has begun to stop: no new runs are taken. */
    public boolean isDraining() {
        return draining;
    }

    /** Tells the dispatcher that a run is stored QUEUED (or runnable again); it picks it in turn. */
    public void submit(String runId) {
        wake();
    }

    /** Starts dispatching, including runs a previous daemon left QUEUED or RUNNING. */
    public void resumeUnfinished() {
        dispatcher.scheduleWithFixedDelay(this::wake, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        wake();
    }

    private void wake() {
        if (!draining && wakePending.compareAndSet(false, true)) {
            try {
                dispatcher.execute(() -> {
                    wakePending.set(false);
                    dispatch();
                });
            } catch (RejectedExecutionException e) {
                wakePending.set(false); // shutting down
            }
        }
    }

    /** Starts runs while there are free slots and runnable runs; dispatcher thread only. */
    private void dispatch() {
        try {
            while (!draining) {
                List<Picked> picked = pick();
                if (picked.isEmpty()) {
                    return;
                }
                Restore batch = null;
                for (int i = 0; i < picked.size(); i++) {
                    Picked p = picked.get(i);
                    if (i % RESTORE_BATCH == 0) {
                        batch = new Restore(picked.subList(i, Math.min(picked.size(), i + RESTORE_BATCH)));
                    }
                    Restore restore = batch;
                    try {
                        workers.execute(new Turn(true, turnCount.incrementAndGet(), () -> {
                            restore.run();
                            work(p.runId(), p.holder(), false);
                        }));
                    } catch (RejectedExecutionException e) {
                        picked.subList(i, picked.size()).forEach(q -> letGo(q.runId(), q.holder())); // draining: stored as is
                        return;
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("cannot dispatch runs (retrying in {} s)", TICK.toSeconds(), e);
        }
    }

    private record Picked(String runId, Holder holder) {
    }

    /**
     * Reads the state of runs picked together (held, so it stays valid) in two queries for all of
     * them instead of two per run: done by the first of their workers to start, so the dispatcher
     * goes on picking. A run it cannot restore is read by its own worker.
     */
    private final class Restore {
        private final List<Picked> picked;
        private boolean done;

        Restore(List<Picked> picked) {
            this.picked = List.copyOf(picked);
        }

        synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            try {
                Map<String, AgentLoop.Kept> states = loop.restore(picked.stream().map(Picked::runId).toList());
                picked.forEach(p -> p.holder().keep(states.get(p.runId())));
            } catch (RuntimeException e) {
                LOG.warn("cannot read {} runs picked up together; each worker reads its own: {}", picked.size(),
                        e.toString());
            }
        }
    }

    /**
     * Takes as many runs as there are free slots, in the order of single picks: round-robin over the
     * tenants (starting after the one served last), oldest run first within a tenant. One query per
     * tenant, whatever the number of runs in progress.
     */
    private List<Picked> pick() {
        Map<String, Holder> heldNow;
        Map<String, Integer> busyNow;
        int free;
        synchronized (this) {
            free = maxConcurrent - busy; // only this thread adds to busy: the slots stay free
            if (free <= 0) {
                return List.of();
            }
            heldNow = Map.copyOf(holders);
            busyNow = new HashMap<>(busyByTenant);
        }
        List<String> tenants = runs.tenantsWithRunnableRuns();
        // Round-robin: the tenants after the one served last, then the rest from the start.
        List<String> order = new ArrayList<>();
        tenants.stream().filter(t -> t.compareTo(lastTenant) > 0).forEach(order::add);
        tenants.stream().filter(t -> t.compareTo(lastTenant) <= 0).forEach(order::add);
        Map<String, ArrayDeque<String>> candidates = new HashMap<>();
        List<Picked> picked = new ArrayList<>();
        boolean progress = true;
        while (free > 0 && progress) {
            progress = false;
            for (String tenant : order) {
                int room = tenantLimit.applyAsInt(tenant) - busyNow.getOrDefault(tenant, 0);
                if (free == 0 || room <= 0) {
                    continue;
                }
                ArrayDeque<String> next = candidates.get(tenant);
                if (next == null) {
                    next = runnable(tenant, heldNow, Math.min(free, room));
                    candidates.put(tenant, next);
                }
                String runId = next.poll();
                if (runId == null) {
                    continue;
                }
                Holder h = new Holder(tenant);
                synchronized (this) {
                    if (holders.containsKey(runId)) {
                        continue; // an API write took it meanwhile
                    }
                    holders.put(runId, h);
                    busy++;
                    busyByTenant.merge(tenant, 1, Integer::sum);
                }
                busyNow.merge(tenant, 1, Integer::sum);
                free--;
                lastTenant = tenant;
                picked.add(new Picked(runId, h));
                progress = true;
            }
        }
        return picked;
    }

    /** The oldest {@code wanted} runnable runs of {@code tenant} that are not held. */
    private ArrayDeque<String> runnable(String tenant, Map<String, Holder> heldNow, int wanted) {
        // Runs held for this tenant, or by an API write (tenant unknown), are not runnable: the
        // query skips none of them, so it asks for as many more as there are.
        Set<String> held = new HashSet<>();
        heldNow.forEach((id, h) -> {
            if (!h.isWorker() || h.tenant.equals(tenant)) {
                held.add(id);
            }
        });
        ArrayDeque<String> ids = new ArrayDeque<>();
        for (String id : runs.oldestRunnable(tenant, held.size() + wanted)) {
            if (!held.contains(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /**
     * Asks {@code run} to stop. A run no worker holds (queued, waiting for approval) is cancelled at
     * once, or right after the API write holding it (within {@code caller}'s wait, as for
     * {@link #whenHeld}); a running run stops at its next safe point; a model call in flight is
     * cancelled (an HTTP exchange is aborted) and the run, handed back to a worker, ends CANCELLED
     * without its answer. A terminal run is returned unchanged. The future completes with the run
     * as cancelled; for a run a worker holds, once the worker has applied the cancel and let go of
     * the run, or, if that takes longer than {@code caller} may wait (at most the hold wait: a
     * slow tool), with the run as it is then (the cancel still stands).
     */
    public CompletableFuture<RunRecord> cancel(RunRecord run, String requestedBy, String reason, CallerWait caller) {
        if (run.status().isTerminal()) {
            return CompletableFuture.completedFuture(run);
        }
        String runId = run.runId();
        EventPayload.CancelRequested request = new EventPayload.CancelRequested(
                requestedBy == null || requestedBy.isBlank() ? "unknown" : requestedBy, reason == null ? "" : reason);
        HeldWrite<RunRecord> write = new HeldWrite<>(runId, () -> cancelNow(runId, request));
        CancelAnswer waiting = new CancelAnswer(new CompletableFuture<>(), run);
        Holder worker = null;
        Holder idle = null;
        synchronized (this) {
            Holder h = holders.get(runId);
            if (h != null && h.isWorker()) {
                h.cancel = request;
                h.cancelAnswers.add(waiting);
                worker = h;
            } else {
                idle = holdOrQueue(runId, write);
            }
        }
        if (worker != null) {
            answerAsItIsAfter(caller.atMost(holdWait), waiting);
            worker.cancelCall(); // outside the lock: the run's continuation may start right here
            return waiting.answer();
        }
        return start(idle, write, caller);
    }

    /**
     * Answers a cancel the worker has not applied within {@code wait} with the run as stored then:
     * the caller hears before its deadline, and the cancel stays with the worker.
     */
    private void answerAsItIsAfter(Duration wait, CancelAnswer waiting) {
        Runnable asItIs = () -> waiting.completeWithStored(runs);
        try {
            Future<?> timer = writeTimers.schedule(asItIs, wait.toNanos(), TimeUnit.NANOSECONDS);
            waiting.answer().whenComplete((r, e) -> timer.cancel(false));
        } catch (RejectedExecutionException e) {
            asItIs.run(); // stopping: the worker may never get to it
        }
    }

    /** The run as stored now; {@code fallback} if it cannot be read. */
    private static RunRecord storedOr(RunRepository runs, RunRecord fallback) {
        try {
            return runs.find(fallback.runId()).orElse(fallback);
        } catch (RuntimeException e) {
            LOG.warn("cannot read run {} to answer its cancel; answering with the run as read before: {}",
                    fallback.runId(), e.toString());
            return fallback;
        }
    }

    /**
     * Answers the CancelRun callers waiting for a worker that let go of its run: with the
     * run once {@code late} (the cancel the worker left to apply) is applied, else as stored now
     * (cancelled by the worker, or ended otherwise); on a write thread.
     */
    private void answerCancels(List<CancelAnswer> waiting, CompletableFuture<RunRecord> late) {
        if (waiting.isEmpty()) {
            return;
        }
        if (late != null) {
            late.whenComplete((r, e) -> waiting.forEach(w -> {
                if (r != null) {
                    w.answer().complete(r);
                } else {
                    w.completeWithStored(runs);
                }
            }));
        } else {
            answer(() -> waiting.forEach(w -> w.completeWithStored(runs)));
        }
    }

    /** Cancels a run held for an API write, unless it ended meanwhile. */
    private RunRecord cancelNow(String runId, EventPayload.CancelRequested request) {
        RunRecord fresh = runs.find(runId).orElseThrow();
        return fresh.status().isTerminal() ? fresh : loop.cancelIdle(fresh, request);
    }

    /**
     * Drives a run held by {@code me} until it finishes, waits for a human, pauses, or waits for
     * its model; in that last case the hold stays and the run comes back here when the call
     * completes ({@code continuing}).
     */
    private void work(String runId, Holder me, boolean continuing) {
        AgentLoop.Outcome outcome = null;
        try {
            if (draining && !continuing) {
                return; // left QUEUED/RUNNING in the database; the next daemon resumes it
            }
            outcome = loop.drive(runId, me);
            LOG.debug("run {} returned {}", runId, outcome);
        } catch (RuntimeException | Error e) {
            // Errors too (a class missing from a tool's jar, a stack overflow on a pathological
            // input): a run let go still RUNNING would be picked again at once, failing forever.
            if (e instanceof TransactionTooLargeException tooLarge) {
                // The run's own doing (e.g. a huge model answer), and it would fail the same way
                // on every try: it fails, saying why, draining or not.
                LOG.warn("run {} failed: its step could not be recorded: {}", runId, tooLarge.getMessage());
                loop.failUnexpectedly(runId, "the run's step could not be recorded: " + tooLarge.getMessage());
            } else if (draining) {
                // Not the run's fault: it continues from its last committed event on the next start.
                LOG.warn("run {} stopped by the daemon shutting down: {}", runId, e.toString());
            } else {
                String errorId = UUID.randomUUID().toString();
                LOG.error("run {} failed unexpectedly (error id {})", runId, errorId, e);
                loop.failUnexpectedly(runId, "internal error in the daemon (error id " + errorId + ")");
            }
        } finally {
            if (outcome == AgentLoop.Outcome.AWAITING_MODEL) {
                // Still held, with its slot; no thread waits. Back to a worker when the call completes.
                me.call.whenComplete((reply, failure) -> continueRun(runId, me));
            } else if (outcome == AgentLoop.Outcome.AWAITING_TOOL) {
                // Likewise while its tool executes on a tool thread: a slow tool holds no worker.
                me.toolCall.outcome().whenComplete((result, failure) -> continueRun(runId, me));
            } else if (outcome == AgentLoop.Outcome.YIELDED) {
                continueRun(runId, me); // still held, with its slot: its next turn comes after the runs picked up
            } else {
                letGo(runId, me);
            }
        }
    }

    /** Hands a run whose model or tool call completed, or that yielded its worker, back to a worker. */
    private void continueRun(String runId, Holder me) {
        try {
            workers.execute(new Turn(false, turnCount.incrementAndGet(), () -> work(runId, me, true)));
        } catch (RejectedExecutionException e) {
            // Stopped: the run continues from its last committed event on the next start.
            letGo(runId, me);
        }
    }

    /**
     * A worker is done with a run: release it, then apply what waited for it while still holding
     * it (a cancel that came after the worker's last safe point, e.g. as the run began to wait for
     * approval, and the API writes queued meanwhile) on a write thread, then look for more work.
     */
    private void letGo(String runId, Holder me) {
        Holder idle = new Holder(null);
        List<HeldWrite<?>> writes = new ArrayList<>();
        List<CancelAnswer> cancelAnswers;
        CompletableFuture<RunRecord> lateCancel = null;
        synchronized (this) {
            // Read under the lock, as cancel() sets it: a cancel that comes as the worker lets go
            // is either seen here or finds the run let go (then it is applied as an idle cancel).
            EventPayload.CancelRequested late = draining ? null : me.cancel;
            cancelAnswers = List.copyOf(me.cancelAnswers);
            me.cancelAnswers.clear();
            if (!holders.remove(runId, me)) {
                // Not (or no longer) the holder: whoever holds the run applies what waits for it.
                // Taking it here would make two holders, i.e. two writers of one run.
                if (late != null) {
                    LOG.warn("run {}: a late cancel came to a worker that no longer held the run; not applied", runId);
                }
                notifyAll();
                writes = null;
            } else {
                if (me.isWorker()) {
                    busy--;
                    busyByTenant.computeIfPresent(me.tenant, (t, n) -> n <= 1 ? null : n - 1);
                }
                if (late != null) {
                    HeldWrite<RunRecord> cancel = new HeldWrite<>(runId, () -> cancelNow(runId, late));
                    cancel.done.whenComplete((r, e) -> {
                        if (e != null) {
                            LOG.error("cannot apply the cancel of run {} that came as its worker let go", runId, e);
                        }
                    });
                    writes.add(cancel);
                    lateCancel = cancel.done;
                }
                writes.addAll(takeWaiting(runId));
                if (!writes.isEmpty()) {
                    holders.put(runId, idle);
                }
                notifyAll();
            }
        }
        answerCancels(cancelAnswers, lateCancel);
        if (writes != null) {
            applyLater(runId, idle, writes);
        }
    }

    /** As {@link #whenHeld(String, Supplier, CallerWait)} for a caller with no deadline that never leaves. */
    public <T> CompletableFuture<T> whenHeld(String runId, Supplier<T> write) {
        return whenHeld(runId, write, CallerWait.unbounded());
    }

    /**
     * Applies {@code write} to {@code runId} once nobody else holds it, the way an idle cancel
     * does, so it may append to a run no worker executes (e.g. a decision for a run waiting for
     * approval). The calling thread never waits for a worker, and never carries out other callers'
     * writes: when the run is held, the write is queued and applied on a write thread after
     * whoever holds the run lets go of it, in arrival order. A queued write is refused with "run
     * ... is busy; try again" if the run stays held longer than the hold wait or than
     * {@code caller} may wait, and withdrawn if {@code caller} leaves first; either way it is never
     * applied. Afterwards the dispatcher looks at the run again (a decided run is RUNNING with no
     * worker: it is picked in turn).
     *
     * @return completes with the write's result, or its failure, once applied (or refused); for a
     *         queued write on a write thread, never on the thread that holds the run
     */
    public <T> CompletableFuture<T> whenHeld(String runId, Supplier<T> write, CallerWait caller) {
        HeldWrite<T> w = new HeldWrite<>(runId, write);
        Holder idle;
        synchronized (this) {
            idle = holdOrQueue(runId, w);
        }
        return start(idle, w, caller);
    }

    /** Holds a free run for {@code w} (returns the holder), else queues {@code w} on it (null). */
    private Holder holdOrQueue(String runId, HeldWrite<?> w) {
        assert Thread.holdsLock(this);
        if (holders.containsKey(runId)) {
            waitingWrites.computeIfAbsent(runId, k -> new ArrayDeque<>()).add(w);
            return null;
        }
        Holder idle = new Holder(null);
        holders.put(runId, idle);
        return idle;
    }

    /**
     * Applies {@code w} on this (its caller's) thread when it holds the run ({@code idle}), then
     * lets go; else leaves it queued for at most its caller's wait, withdrawing it if the caller leaves.
     */
    private <T> CompletableFuture<T> start(Holder idle, HeldWrite<T> w, CallerWait caller) {
        if (idle != null) {
            w.apply(Runnable::run);
            letGoOrApplyQueued(w.runId, idle);
        } else {
            w.expireAfter(caller.atMost(holdWait));
            caller.onLeave(() -> w.refuse(new CancelledException("the call was cancelled, or its deadline passed, "
                    + "while run " + w.runId + " was busy; nothing was changed")));
        }
        return w.done;
    }

    private synchronized void forget(HeldWrite<?> w) {
        ArrayDeque<HeldWrite<?>> queue = waitingWrites.get(w.runId);
        if (queue != null && queue.remove(w) && queue.isEmpty()) {
            waitingWrites.remove(w.runId);
        }
    }

    private List<HeldWrite<?>> takeWaiting(String runId) {
        assert Thread.holdsLock(this);
        ArrayDeque<HeldWrite<?>> queue = waitingWrites.remove(runId);
        return queue == null ? List.of() : List.copyOf(queue);
    }

    /**
     * Lets go of a run {@code idle} holds for API writes, unless writes were queued on it
     * meanwhile: those are applied next, on a write thread.
     */
    private void letGoOrApplyQueued(String runId, Holder idle) {
        List<HeldWrite<?>> next;
        synchronized (this) {
            next = takeWaiting(runId);
            if (next.isEmpty()) {
                holders.remove(runId, idle);
                notifyAll();
            }
        }
        applyLater(runId, idle, next);
    }

    /**
     * Applies {@code writes} to a run {@code idle} holds, on a write thread, answering each
     * caller on another turn of the write threads; then lets go, or takes the next writes queued
     * meanwhile in a new turn (so runs with queued writes take turns too). With no writes the run
     * was let go: the dispatcher looks at it again.
     */
    private void applyLater(String runId, Holder idle, List<HeldWrite<?>> writes) {
        if (writes.isEmpty()) {
            wake();
            return;
        }
        Runnable turn = () -> {
            writes.forEach(w -> w.apply(this::answer));
            letGoOrApplyQueued(runId, idle);
        };
        try {
            writeThreads.execute(turn);
        } catch (RejectedExecutionException e) {
            turn.run(); // stopped: no write thread left; the writes still get applied (or refused) once
        }
    }

    /** Completes a queued write's future on a write thread, so its caller's answer runs there. */
    private void answer(Runnable completion) {
        try {
            writeThreads.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run(); // stopped: answered here rather than never
        }
    }

    /** API writes queued on held runs now (for tests and status). */
    public synchronized int queuedWrites() {
        return waitingWrites.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /** Runs in progress now: executing a step, waiting for their model or running a tool (for tests and status). */
    public synchronized int busyWorkers() {
        return busy;
    }

    /** Runs whose tool call is executing now (for tests and status). */
    public synchronized int awaitingTool() {
        return (int) holders.values().stream().filter(h -> h.toolCall != null && !h.toolCall.outcome().isDone()).count();
    }

    /** Runs whose model call is in flight now (for tests and status). */
    public synchronized int awaitingModel() {
        return (int) holders.values().stream().filter(h -> h.call != null && !h.call.isDone()).count();
    }

    /**
     * Stops taking runs and lets runs in progress reach a step boundary within {@code drainTime}
     * (a run waiting for its model gets its answer committed and finishes the step); after that,
     * model calls in flight are cancelled and workers stop at their next safe point (their runs
     * stay RUNNING and resume on the next start). Workers are never interrupted. Queued runs stay
     * QUEUED in the database.
     */
    public void drain(Duration drainTime) {
        draining = true;
        dispatcher.shutdown(); // no interrupts: an interrupt during H2 file I/O closes the database
        try {
            boolean idle = awaitNoRunInProgress(drainTime);
            if (!idle) {
                LOG.warn("runs still busy after {} ms of draining; abandoning their model calls", drainTime.toMillis());
                abandon = true;
                List<Holder> held;
                synchronized (this) {
                    held = List.copyOf(holders.values());
                }
                held.forEach(Holder::cancelCall);
                idle = awaitNoRunInProgress(ABANDON_WAIT);
                if (!idle) {
                    LOG.warn("{} run(s) still busy (a slow tool?); stopping without them", busyWorkers());
                }
            }
            // Runs whose calls complete from now on are not continued (the pool refuses them).
            workers.shutdown();
            if (idle) {
                workers.awaitTermination(ABANDON_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            dispatcher.awaitTermination(ABANDON_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon = true;
        } finally {
            refuseQueuedWrites();
        }
    }

    /** Stopping: writes still waiting for their run are refused (never applied) and the write threads end. */
    private void refuseQueuedWrites() {
        // First, so a write queued from now on finds no timer and is refused at once (expireAfter);
        // the timers of those queued before are dropped, and they are refused below.
        writeTimers.shutdown();
        List<HeldWrite<?>> left;
        synchronized (this) {
            left = waitingWrites.values().stream().<HeldWrite<?>>flatMap(ArrayDeque::stream).toList();
        }
        left.forEach(w -> w.refuse(new UnavailableException("the daemon is stopping; run " + w.runId
                + " was busy and nothing was changed")));
        writeThreads.shutdown();
        // A write already being applied finishes (and is answered) before the database closes.
        try {
            if (!writeThreads.awaitTermination(ABANDON_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("an API write to a run was still being applied after {} ms of stopping",
                        ABANDON_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until no run is in progress; false if {@code timeout} passed first. */
    private synchronized boolean awaitNoRunInProgress(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (busy > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    @Override
    public void close() {
        drain(Duration.ZERO);
    }

    static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
