package dev.flightdeck.daemon.testing;

import dev.flightdeck.daemon.engine.RunScheduler;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Holds a run the way an API write does (a write that takes as long as the test wants), so that
 * decisions and cancels sent meanwhile queue behind it. Closing lets go and returns once every
 * write queued before has been applied or refused.
 */
public final class RunHold implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final RunScheduler scheduler;
    private final String runId;
    private final CompletableFuture<Void> release = new CompletableFuture<>();
    private final ExecutorService holder = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-run-hold"));

    private RunHold(RunScheduler scheduler, String runId) {
        this.scheduler = scheduler;
        this.runId = runId;
    }

    /** Holds {@code runId} (nobody may hold it now) until closed. */
    public static RunHold of(RunScheduler scheduler, String runId) {
        RunHold hold = new RunHold(scheduler, runId);
        CompletableFuture<Void> holding = new CompletableFuture<>();
        hold.holder.execute(() -> scheduler.whenHeld(runId, () -> {
            holding.complete(null);
            return hold.release.join();
        }));
        holding.orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        return hold;
    }

    @Override
    public void close() {
        release.complete(null);
        // Writes are applied in arrival order: once this one is, every write queued before it was
        // applied or refused.
        scheduler.whenHeld(runId, () -> null).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        holder.shutdown();
    }
}
