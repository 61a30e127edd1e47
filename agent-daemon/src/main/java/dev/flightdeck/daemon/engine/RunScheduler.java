package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.error.FailedPreconditionException;
import dev.flightdeck.daemon.error.NotFoundException;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.store.RunRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Executes runs on a bounded pool of workers and owns who may write to a run: at most one
 * worker, or one idle-cancel, holds a run at a time. A run waiting for approval holds no worker.
 */
public final class RunScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunScheduler.class);
    /** How long workers get to reach a safe point once their model calls are abandoned. */
    private static final Duration ABANDON_WAIT = Duration.ofSeconds(5);
    /** How long {@link #whileHeld} waits for a worker to let go of a run. */
    private static final Duration HOLD_WAIT = Duration.ofSeconds(10);

    private final AgentLoop loop;
    private final RunRepository runs;
    private final ThreadPoolExecutor workers;
    /** Runs someone is writing to, guarded by {@code this}; critical sections are short. */
    private final Map<String, Holder> holders = new HashMap<>();
    private volatile boolean draining;
    private volatile boolean abandon;

    /** Who holds a run: a worker (which checks the cancel flag at safe points) or an idle cancel. */
    private final class Holder implements RunControl {
        private volatile EventPayload.CancelRequested cancel;
        /** A worker found the run held by this holder: schedule the run again once it lets go. */
        private volatile boolean rerun;

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

    public RunScheduler(AgentLoop loop, RunRepository runs, int workerCount) {
        this.loop = loop;
        this.runs = runs;
        this.workers = new ThreadPoolExecutor(workerCount, workerCount, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), named("run-worker"));
    }

    /** True once the daemon has begun to stop: no new runs are taken. */
    public boolean isDraining() {
        return draining;
    }

    /** Queues a run for execution (it is already stored QUEUED or RUNNING). */
    public void submit(String runId) {
        if (!draining) {
            workers.execute(() -> work(runId));
        }
    }

    /** Re-schedules runs a previous daemon left QUEUED or RUNNING; they continue from their last event. */
    public int resumeUnfinished() {
        List<RunRecord> unfinished = runs.listInStatuses(List.of(RunStatus.RUNNING, RunStatus.QUEUED));
        unfinished.forEach(r -> submit(r.runId()));
        if (!unfinished.isEmpty()) {
            LOG.info("resuming {} unfinished run(s)", unfinished.size());
        }
        return unfinished.size();
    }

    /**
     * Asks a run to stop. A run no worker holds (queued, waiting for approval) is cancelled at
     * once; a running run stops at its next safe point. A terminal run is returned unchanged.
     */
    public RunRecord cancel(String runId, String requestedBy, String reason) {
        RunRecord run = runs.find(runId).orElseThrow(() -> new NotFoundException("run_id: unknown run \"" + runId + "\""));
        if (run.status().isTerminal()) {
            return run;
        }
        EventPayload.CancelRequested request = new EventPayload.CancelRequested(
                requestedBy == null || requestedBy.isBlank() ? "unknown" : requestedBy, reason == null ? "" : reason);
        Holder idle = new Holder();
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
            if (idle.rerun) {
                submit(runId);
            }
        }
    }

    private void work(String runId) {
        if (draining) {
            return; // left QUEUED/RUNNING in the database; the next daemon resumes it
        }
        Holder me = new Holder();
        synchronized (this) {
            Holder current = holders.get(runId);
            if (current != null) {
                current.rerun = true; // whoever holds it schedules it again when done (a cancel ends it)
                return;
            }
            holders.put(runId, me);
        }
        try {
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
            if (me.rerun) {
                submit(runId);
            }
        }
    }

    private synchronized void release(String runId, Holder holder) {
        holders.remove(runId, holder);
        notifyAll();
    }

    /**
     * Runs {@code write} holding {@code runId} the way an idle cancel does, so it may append to a
     * run no worker executes (e.g. a decision for a run waiting for approval). A worker that is
     * just returning from the run is waited for, up to {@link #HOLD_WAIT}. A cancel that arrives
     * meanwhile is applied afterwards.
     */
    public <T> T whileHeld(String runId, java.util.function.Supplier<T> write) {
        Holder idle = new Holder();
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
            if (idle.rerun) {
                submit(runId);
            }
        }
    }

    /**
     * Stops taking runs and lets running workers reach a step boundary within {@code drainTime};
     * after that, model calls in flight are abandoned and workers stop at their next safe point
     * (their runs stay RUNNING and resume on the next start). Workers are never interrupted.
     */
    public void drain(Duration drainTime) {
        draining = true;
        workers.shutdown();
        try {
            if (!workers.awaitTermination(drainTime.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("runs still busy after {} ms of draining; abandoning their model calls", drainTime.toMillis());
                abandon = true;
                if (!workers.awaitTermination(ABANDON_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{} run worker(s) still busy (a slow tool?); stopping without them", workers.getActiveCount());
                }
            }
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
