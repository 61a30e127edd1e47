package dev.flightdeck.console.concurrent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Runs work, callbacks and UI actions on the calling thread, at once. Scheduled actions wait
 * until {@link #runScheduled()} fires them, so tests control time. For view-model tests.
 */
public final class InlineUiExecutor implements UiExecutor {
    private final List<Runnable> scheduled = new ArrayList<>();

    @Override
    public <T> void submit(Callable<T> work, Consumer<? super T> onSuccess, Consumer<? super Throwable> onFailure) {
        T result;
        try {
            result = work.call();
        } catch (Exception e) {
            onFailure.accept(e);
            return;
        }
        onSuccess.accept(result);
    }

    @Override
    public void onUi(Runnable action) {
        action.run();
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable action) {
        scheduled.add(action);
        return () -> {
            synchronized (this) {
                scheduled.remove(action);
            }
        };
    }

    /** Fires every action scheduled so far (actions they schedule wait for the next call). */
    public void runScheduled() {
        List<Runnable> due;
        synchronized (this) {
            due = new ArrayList<>(scheduled);
            scheduled.clear();
        }
        due.forEach(Runnable::run);
    }

    public synchronized int scheduledCount() {
        return scheduled.size();
    }
}
