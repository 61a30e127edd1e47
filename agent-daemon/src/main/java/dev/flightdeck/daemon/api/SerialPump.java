package dev.flightdeck.daemon.api;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a drain task on an executor whenever it is signalled, never two at once and never
 * missing a signal: a signal during a drain makes it drain again. Lets a stream be fed from
 * writer threads (signals only) while all sends happen on one logical thread.
 */
final class SerialPump {
    private final Executor executor;
    private final Runnable drain;
    private final Runnable onRejected;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();

    SerialPump(Executor executor, Runnable drain, Runnable onRejected) {
        this.executor = executor;
        this.drain = drain;
        this.onRejected = onRejected;
    }

    void signal() {
        pending.set(true);
        schedule();
    }

    private void schedule() {
        if (running.compareAndSet(false, true)) {
            try {
                executor.execute(this::run);
            } catch (RejectedExecutionException e) {
                running.set(false);
                onRejected.run();
            }
        }
    }

    private void run() {
        try {
            while (pending.getAndSet(false)) {
                drain.run();
            }
        } finally {
            running.set(false);
        }
        if (pending.get()) {
            schedule();
        }
    }
}
