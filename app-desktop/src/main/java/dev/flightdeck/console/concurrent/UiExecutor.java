package dev.flightdeck.console.concurrent;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Where view models run daemon calls: {@code work} runs off the UI thread (bounded background
 * pool), its result or failure is delivered on the UI thread. Tests inject {@link InlineUiExecutor},
 * which runs everything on the calling thread.
 */
public interface UiExecutor {

    /** Runs {@code work} in the background, then {@code onSuccess} or {@code onFailure} on the UI thread. */
    <T> void submit(Callable<T> work, Consumer<? super T> onSuccess, Consumer<? super Throwable> onFailure);

    /** Runs {@code action} on the UI thread, soon (never synchronously from a background thread). */
    void onUi(Runnable action);

    /** Runs {@code action} on the UI thread after {@code delay}; the returned handle cancels it. */
    Cancellable schedule(Duration delay, Runnable action);

    /** A scheduled action that can be called off. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }
}
