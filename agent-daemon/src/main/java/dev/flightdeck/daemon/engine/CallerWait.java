package dev.flightdeck.daemon.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * How long the caller of an API request may still wait for it, and whether it still waits. The
 * api layer makes one from the rpc's deadline and cancellation, so the engine can refuse in time
 * what cannot be done before the caller gives up, and withdraw what it queued for a caller that
 * is gone, without knowing about gRPC.
 */
public final class CallerWait {
    /** {@link System#nanoTime()} by which the caller stops waiting; null: no deadline. */
    private final Long deadlineNanos;
    private final CompletableFuture<Void> gone = new CompletableFuture<>();

    private CallerWait(Long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** A caller with no deadline: it waits until it leaves, if ever. */
    public static CallerWait unbounded() {
        return new CallerWait(null);
    }

    /** A caller that waits {@code remaining} more at most (zero or less: not at all), or leaves earlier. */
    public static CallerWait upTo(Duration remaining) {
        return new CallerWait(System.nanoTime() + Math.max(0, remaining.toNanos()));
    }

    /** How long the caller may still wait, at most {@code cap}; never negative. */
    public Duration atMost(Duration cap) {
        if (deadlineNanos == null) {
            return cap;
        }
        long left = Math.max(0, deadlineNanos - System.nanoTime());
        return left < cap.toNanos() ? Duration.ofNanos(left) : cap;
    }

    /** The caller stopped waiting (it cancelled its call, or its deadline passed). */
    public void leave() {
        gone.complete(null);
    }

    /** Runs {@code action} once the caller leaves: at once if it has, on the thread that saw it leave. */
    public void onLeave(Runnable action) {
        gone.thenRun(action);
    }
}
