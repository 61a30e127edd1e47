package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * In-memory fan-out of committed changes to live watchers. It holds no events itself (watchers
 * read them from the log), so memory stays bounded however slow a watcher is. Listeners are
 * called on the writer's thread and must only signal, never block.
 */
public final class RunFeed {
    private static final Logger LOG = LoggerFactory.getLogger(RunFeed.class);

    /** Told that a run has a newly committed event. */
    @FunctionalInterface
    public interface EventListener {
        void onEvent(RunEventRecord event);
    }

    /** Told that a run was created or changed status, steps or usage. */
    @FunctionalInterface
    public interface RunListener {
        void onRun(RunRecord run);
    }

    /** Told that an approval was created, decided or closed. */
    @FunctionalInterface
    public interface ApprovalListener {
        void onApproval(ApprovalRecord approval);
    }

    /** Stops a listener. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    private final Map<String, Set<EventListener>> eventListeners = new ConcurrentHashMap<>();
    private final Set<RunListener> runListeners = new CopyOnWriteArraySet<>();
    private final Set<ApprovalListener> approvalListeners = new CopyOnWriteArraySet<>();

    public Registration onEvents(String runId, EventListener listener) {
        eventListeners.computeIfAbsent(runId, k -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> eventListeners.computeIfPresent(runId, (k, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    public Registration onRuns(RunListener listener) {
        runListeners.add(listener);
        return () -> runListeners.remove(listener);
    }

    public Registration onApprovals(ApprovalListener listener) {
        approvalListeners.add(listener);
        return () -> approvalListeners.remove(listener);
    }

    void approvalChanged(ApprovalRecord approval) {
        for (ApprovalListener l : approvalListeners) {
            try {
                l.onApproval(approval);
            } catch (RuntimeException e) {
                LOG.warn("approval listener failed", e);
            }
        }
    }

    void eventCommitted(RunEventRecord event) {
        Set<EventListener> set = eventListeners.get(event.runId());
        if (set != null) {
            for (EventListener l : set) {
                try {
                    l.onEvent(event);
                } catch (RuntimeException e) {
                    LOG.warn("run event listener failed", e);
                }
            }
        }
    }

    void runChanged(RunRecord run) {
        for (RunListener l : runListeners) {
            try {
                l.onRun(run);
            } catch (RuntimeException e) {
                LOG.warn("run listener failed", e);
            }
        }
    }
}
