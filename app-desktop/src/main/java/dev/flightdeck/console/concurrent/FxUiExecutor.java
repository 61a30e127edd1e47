package dev.flightdeck.console.concurrent;

import javafx.application.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The console's executor: a bounded pool of daemon threads for calls, {@link Platform#runLater}
 * for results. When the pool and its queue are full, the work fails fast with an error the view
 * model shows, rather than piling up.
 */
public final class FxUiExecutor implements UiExecutor, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FxUiExecutor.class);

    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService timer;

    public FxUiExecutor(int threads, int queueCapacity) {
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity), named("console-call"), new ThreadPoolExecutor.AbortPolicy());
        this.pool.allowCoreThreadTimeOut(true);
        this.timer = Executors.newSingleThreadScheduledExecutor(named("console-timer"));
    }

    @Override
    public <T> void submit(Callable<T> work, Consumer<? super T> onSuccess, Consumer<? super Throwable> onFailure) {
        try {
            pool.execute(() -> {
                T result;
                try {
                    result = work.call();
                } catch (Throwable t) {
                    LOG.debug("background call failed", t);
                    Platform.runLater(() -> onFailure.accept(t));
                    return;
                }
                Platform.runLater(() -> onSuccess.accept(result));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            onFailure.accept(new IllegalStateException("the console is busy; try again in a moment", e));
        }
    }

    @Override
    public void onUi(Runnable action) {
        Platform.runLater(action);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable action) {
        ScheduledFuture<?> f = timer.schedule(() -> Platform.runLater(action), delay.toMillis(), TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void close() {
        pool.shutdownNow();
        timer.shutdownNow();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
