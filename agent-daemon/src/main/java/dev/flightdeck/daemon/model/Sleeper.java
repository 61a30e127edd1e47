package dev.flightdeck.daemon.model;

import java.util.concurrent.locks.LockSupport;

/**
 * Waits that a model call makes on purpose (retry backoff, rate limits). Injectable, so tests
 * record the waits instead of waiting for real.
 */
@FunctionalInterface
public interface Sleeper {
    /**
     * Waits {@code millis} (nothing when {@code <= 0}), giving up early when the call is abandoned.
     *
     * @throws ModelCallCancelledException when {@code control} abandons the call meanwhile
     */
    void sleep(long millis, CallControl control) throws ModelCallCancelledException;

    /** Real waiting, in short slices so an abandoned call stops waiting promptly. */
    Sleeper REAL = (millis, control) -> {
        long deadline = System.nanoTime() + Math.max(0, millis) * 1_000_000;
        while (true) {
            if (control.isAbandoned() || Thread.currentThread().isInterrupted()) {
                throw new ModelCallCancelledException();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(left, 20_000_000L));
        }
    };
}
