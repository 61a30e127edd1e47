package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.error.FailedPreconditionException;
import dev.flightdeck.daemon.error.NotFoundException;
import dev.flightdeck.daemon.model.ModelReply;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.store.RunRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>A run waiting for a model response holds no thread either, but keeps its hold and its slot:
 * its worker starts the call and returns to the pool, and when the call completes the run is
 * handed back to a worker with the completed call ({@link Holder#takeModelCall}). So the limits
 * ({@code --max-concurrent-runs}, per tenant) bound runs <em>in progress</em> (executing a step or
 * waiting for their model), exactly as before, while the pool of worker threads only bounds runs
 * executing a step at the same instant: {@code min(max concurrent runs, }{@link #DEFAULT_STEP_THREADS}{@code )}.
 */
public final class RunScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunScheduler.class);
    /** How long workers get to reach a safe point once their model calls are abandoned. */
    private static final Duration ABANDON_WAIT = Duration.ofSeconds(5);
    /** The dispatcher also looks at the queue this often, whatever it was told. */
    private static final Duration TICK = Duration.ofSeconds(1);
    /** How long {@link #whileHeld} waits for a worker to let go of a run. */
    private static final Duration HOLD_WAIT = Duration.ofSeconds(10);
    /**
     * Worker threads when not given: enough for steps (committing events, running tools) of many
     * runs at once, while runs waiting for their model hold none.
     */
    public static final int DEFAULT_STEP_THREADS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
    /** Idle worker threads end after this; an idle daemon holds none. */
    private static final Duration THREAD_KEEP_ALIVE = Duration.ofSeconds(30);

    private final AgentLoop loop;
    private final RunRepository runs;
    private final int maxConcurrent;
    private final ToIntFunction<String> tenantLimit;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService dispatcher;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    /** Runs someone is writing to, guarded by {@code this}; critical sections are short. */
    private final Map<String, Holder> holders = new HashMap<>();
    /** Runs in progress per tenant, guarded by {@code this}. */
    private final Map<String, Integer> busyByTenant = new HashMap<>();
    /** Runs in progress (held by a worker, executing a step or waiting for their model), guarded by {@code this}. */
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

        /** Cancels the model call in flight, if any: the run is then handed back to a worker. */
        void cancelCall() {
            CompletableFuture<ModelReply> c = call;
            if (c != null) {
                c.cancel(true);
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
        this.loop = loop;
        this.runs = runs;
        this.maxConcurrent = maxConcurrent;
        this.tenantLimit = tenantLimit;
        int threads = Math.max(1, Math.min(maxConcurrent, stepThreads));
        this.workers = new ThreadPoolExecutor(threads, threads, THREAD_KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), named("run-worker"));
        this.workers.allowCoreThreadTimeOut(true);
        this.dispatcher = Executors.newSingleThreadScheduledExecutor(named("run-dispatcher"));
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
            } catch (java.util.concurrent.RejectedExecutionException e) {
                wakePending.set(false); // shutting down
            }
        }
    }

    /** Starts runs while there are free slots and runnable runs; dispatcher thread only. */
    private void dispatch() {
        try {
            while (!draining) {
                Optional<Picked> next = pick();
                if (next.isEmpty()) {
                    return;
                }
                Picked p = next.get();
                try {
                    workers.execute(() -> work(p.runId(), p.holder(), false));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    release(p.runId(), p.holder()); // draining: the run stays as stored
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.error("cannot dispatch runs (retrying in {} s)", TICK.toSeconds(), e);
        }
    }

    private record Picked(String runId, Holder holder) {
    }

    private Optional<Picked> pick() {
        Map<String, Holder> heldNow;
        Map<String, Integer> busyNow;
        synchronized (this) {
            if (busy >= maxConcurrent) {
                return Optional.empty();
            }
            heldNow = Map.copyOf(holders);
            busyNow = Map.copyOf(busyByTenant);
        }
        List<String> tenants = runs.tenantsWithRunnableRuns();
        if (tenants.isEmpty()) {
            return Optional.empty();
        }
        // Round-robin: the tenants after the one served last, then the rest from the start.
        List<String> order = new ArrayList<>();
        tenants.stream().filter(t -> t.compareTo(lastTenant) > 0).forEach(order::add);
        tenants.stream().filter(t -> t.compareTo(lastTenant) <= 0).forEach(order::add);
        for (String tenant : order) {
            if (busyNow.getOrDefault(tenant, 0) >= tenantLimit.applyAsInt(tenant)) {
                continue;
            }
            // Runs held for this tenant (or by an idle cancel, tenant unknown) are not runnable: with
            // runs waiting for their model, many may be held, so the exclusion list names only these.
            Set<String> held = new java.util.HashSet<>();
            heldNow.forEach((id, h) -> {
                if (!h.isWorker() || h.tenant.equals(tenant)) {
                    held.add(id);
                }
            });
            Optional<String> runId = runs.oldestRunnable(tenant, held);
            if (runId.isEmpty()) {
                continue;
            }
            Holder h = new Holder(tenant);
            synchronized (this) {
                if (holders.containsKey(runId.get())) {
                    continue; // an idle cancel took it meanwhile
                }
                holders.put(runId.get(), h);
                busy++;
                busyByTenant.merge(tenant, 1, Integer::sum);
            }
            lastTenant = tenant;
            return Optional.of(new Picked(runId.get(), h));
        }
        return Optional.empty();
    }

    /**
     * Asks a run to stop. A run no worker holds (queued, waiting for approval) is cancelled at
     * once; a running run stops at its next safe point; a model call in flight is cancelled (an HTTP
     * exchange is aborted) and the run, handed back to a worker, ends CANCELLED without its answer.
     * A terminal run is returned unchanged.
     */
    public RunRecord cancel(String runId, String requestedBy, String reason) {
        RunRecord run = runs.find(runId).orElseThrow(() -> new NotFoundException("run_id: unknown run \"" + runId + "\""));
        if (run.status().isTerminal()) {
            return run;
        }
        EventPayload.CancelRequested request = new EventPayload.CancelRequested(
                requestedBy == null || requestedBy.isBlank() ? "unknown" : requestedBy, reason == null ? "" : reason);
        Holder idle = new Holder(null);
        Holder worker;
        synchronized (this) {
            worker = holders.get(runId);
            if (worker != null) {
                worker.cancel = request;
            } else {
                holders.put(runId, idle);
            }
        }
        if (worker != null) {
            worker.cancelCall(); // outside the lock: the run's continuation may start right here
            return run;
        }
        try {
            RunRecord fresh = runs.find(runId).orElseThrow();
            return fresh.status().isTerminal() ? fresh : loop.cancelIdle(fresh, request);
        } finally {
            release(runId, idle);
            wake();
        }
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
        } catch (RuntimeException e) {
            if (draining) {
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
            } else {
                letGo(runId, me);
            }
        }
    }

    /** Hands a run whose model call completed back to a worker. */
    private void continueRun(String runId, Holder me) {
        try {
            workers.execute(() -> work(runId, me, true));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Stopped: the request has no committed response and is issued again on the next start.
            letGo(runId, me);
        }
    }

    /** A worker is done with a run: release it, apply a cancel that came too late, look for more work. */
    private void letGo(String runId, Holder me) {
        release(runId, me);
        // A cancel that arrived after the worker's last safe point (e.g. as the run began to
        // wait for approval) must not be lost: apply it now that no worker holds the run.
        EventPayload.CancelRequested late = me.cancel;
        if (late != null && !draining) {
            cancel(runId, late.requestedBy(), late.reason());
        }
        wake();
    }

    private synchronized void release(String runId, Holder holder) {
        if (holders.remove(runId, holder) && holder.isWorker()) {
            busy--;
            busyByTenant.computeIfPresent(holder.tenant, (t, n) -> n <= 1 ? null : n - 1);
        }
        notifyAll();
    }

    /**
     * Runs {@code write} holding {@code runId} the way an idle cancel does, so it may append to a
     * run no worker executes (e.g. a decision for a run waiting for approval). A worker that is
     * just returning from the run is waited for, up to {@link #HOLD_WAIT}. A cancel that arrives
     * meanwhile is applied afterwards; then the dispatcher looks at the run again (a decided run
     * is RUNNING with no worker: it is picked in turn).
     */
    public <T> T whileHeld(String runId, java.util.function.Supplier<T> write) {
        Holder idle = new Holder(null);
        long deadline = System.nanoTime() + HOLD_WAIT.toNanos();
        synchronized (this) {
            while (holders.containsKey(runId)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new FailedPreconditionException("run " + runId + " is busy; try again");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FailedPreconditionException("interrupted while waiting for run " + runId);
                }
            }
            holders.put(runId, idle);
        }
        try {
            return write.get();
        } finally {
            release(runId, idle);
            EventPayload.CancelRequested late = idle.cancel;
            if (late != null && !draining) {
                cancel(runId, late.requestedBy(), late.reason());
            }
            wake();
        }
    }

    /** Runs in progress now: executing a step or waiting for their model (for tests and status). */
    public synchronized int busyWorkers() {
        return busy;
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
