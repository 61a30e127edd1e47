package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.error.FailedPreconditionException;
import dev.flightdeck.daemon.error.NotFoundException;
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
 */
public final class RunScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunScheduler.class);
    /** How long workers get to reach a safe point once their model calls are abandoned. */
    private static final Duration ABANDON_WAIT = Duration.ofSeconds(5);
    /** The dispatcher also looks at the queue this often, whatever it was told. */
    private static final Duration TICK = Duration.ofSeconds(1);
    /** How long {@link #whileHeld} waits for a worker to let go of a run. */
    private static final Duration HOLD_WAIT = Duration.ofSeconds(10);

    private final AgentLoop loop;
    private final RunRepository runs;
    private final int maxConcurrent;
    private final ToIntFunction<String> tenantLimit;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService dispatcher;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    /** Runs someone is writing to, guarded by {@code this}; critical sections are short. */
    private final Map<String, Holder> holders = new HashMap<>();
    /** Workers per tenant, guarded by {@code this}. */
    private final Map<String, Integer> busyByTenant = new HashMap<>();
    private int busy;
    /** The tenant served last, so the next pick starts after it; dispatcher thread only. */
    private String lastTenant = "";
    private volatile boolean draining;
    private volatile boolean abandon;

    /** Who holds a run: a worker (which checks the cancel flag at safe points) or an idle cancel. */
    private final class Holder implements RunControl {
        private final String tenant;
        private volatile EventPayload.CancelRequested cancel;

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
    }

    /**
     * @param maxConcurrent runs executing at once, over all tenants
     * @param tenantLimit   runs of one tenant executing at once
     */
    public RunScheduler(AgentLoop loop, RunRepository runs, int maxConcurrent, ToIntFunction<String> tenantLimit) {
        this.loop = loop;
        this.runs = runs;
        this.maxConcurrent = maxConcurrent;
        this.tenantLimit = tenantLimit;
        this.workers = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), named("run-worker"));
        this.dispatcher = Executors.newSingleThreadScheduledExecutor(named("run-dispatcher"));
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
                    workers.execute(() -> work(p.runId(), p.holder()));
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
        Set<String> held;
        Map<String, Integer> busyNow;
        synchronized (this) {
            if (busy >= maxConcurrent) {
                return Optional.empty();
            }
            held = Set.copyOf(holders.keySet());
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
     * once; a running run stops at its next safe point, abandoning a model call in flight.
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
        synchronized (this) {
            Holder worker = holders.get(runId);
            if (worker != null) {
                worker.cancel = request;
                return run;
            }
            holders.put(runId, idle);
        }
        try {
            RunRecord fresh = runs.find(runId).orElseThrow();
            return fresh.status().isTerminal() ? fresh : loop.cancelIdle(fresh, request);
        } finally {
            release(runId, idle);
            wake();
        }
    }

    private void work(String runId, Holder me) {
        try {
            if (draining) {
                return; // left QUEUED/RUNNING in the database; the next daemon resumes it
            }
            AgentLoop.Outcome outcome = loop.drive(runId, me);
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
            release(runId, me);
            // A cancel that arrived after the worker's last safe point (e.g. as the run began to
            // wait for approval) must not be lost: apply it now that no worker holds the run.
            EventPayload.CancelRequested late = me.cancel;
            if (late != null && !draining) {
                cancel(runId, late.requestedBy(), late.reason());
            }
            wake();
        }
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

    /** Runs executing now (for tests and status). */
    public synchronized int busyWorkers() {
        return busy;
    }

    /**
     * Stops taking runs and lets running workers reach a step boundary within {@code drainTime};
     * after that, model calls in flight are abandoned and workers stop at their next safe point
     * (their runs stay RUNNING and resume on the next start). Workers are never interrupted.
     * Queued runs stay QUEUED in the database.
     */
    public void drain(Duration drainTime) {
        draining = true;
        dispatcher.shutdown(); // no interrupts: an interrupt during H2 file I/O closes the database
        workers.shutdown();
        try {
            if (!workers.awaitTermination(drainTime.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("runs still busy after {} ms of draining; abandoning their model calls", drainTime.toMillis());
                abandon = true;
                if (!workers.awaitTermination(ABANDON_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{} run worker(s) still busy (a slow tool?); stopping without them", workers.getActiveCount());
                }
            }
            dispatcher.awaitTermination(ABANDON_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon = true;
        }
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
