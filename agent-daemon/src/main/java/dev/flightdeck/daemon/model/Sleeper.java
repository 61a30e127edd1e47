package dev.flightdeck.daemon.model;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Waits that a model call makes on purpose (retry backoff, rate limits), without holding a thread:
 * a wait is a future completed when it is over. Injectable, so tests record the waits instead of
 * waiting for real.
 */
@FunctionalInterface
public interface Sleeper {
    /**
     * A future completed {@code millis} from now (at once when {@code <= 0}). Cancelling it drops
     * the wait: it never completes normally.
     */
    CompletableFuture<Void> after(long millis);

    /** Real waits, as tasks on {@code timer} (one timer serves every waiting call). */
    static Sleeper on(ScheduledExecutorService timer) {
        return millis -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            if (millis <= 0) {
                done.complete(null);
                return done;
            }
            ScheduledFuture<?> due = timer.schedule(() -> done.complete(null), millis, TimeUnit.MILLISECONDS);
            done.whenComplete((v, e) -> due.cancel(false)); // a dropped wait leaves no task behind
            return done;
        };
    }
}
