package dev.flightdeck.console.concurrent;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.client.Subscription;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns a live stream's items (arriving on gRPC threads) into batches delivered on the UI thread:
 * items are queued, and one UI action per batch (not per item) drains the queue. The end of the
 * stream is delivered after the items that came before it. After {@link #close()} nothing more is
 * delivered.
 */
public final class StreamBatcher<T> implements StreamListener<T> {

    /** Receives a stream on the UI thread. */
    public interface Sink<T> {
        void onBatch(List<T> items);

        void onCompleted();

        void onError(DaemonCallException error);
    }

    private sealed interface Signal<T> permits Item, Done, Failed {
    }

    private record Item<T>(T value) implements Signal<T> {
    }

    private record Done<T>() implements Signal<T> {
    }

    private record Failed<T>(DaemonCallException error) implements Signal<T> {
    }

    private final UiExecutor ui;
    private final Sink<T> sink;
    private final ConcurrentLinkedQueue<Signal<T>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Subscription subscription;

    public StreamBatcher(UiExecutor ui, Sink<T> sink) {
        this.ui = ui;
        this.sink = sink;
    }

    @Override
    public void onItem(T item) {
        enqueue(new Item<>(item));
    }

    @Override
    public void onCompleted() {
        enqueue(new Done<>());
    }

    @Override
    public void onError(DaemonCallException error) {
        enqueue(new Failed<>(error));
    }

    /**
     * Subscribes this batcher with {@code subscribe} (a daemon call given this listener); {@link #close()}
     * then also cancels that subscription. A subscription that fails to start throws here.
     */
    public StreamBatcher<T> follow(java.util.function.Function<StreamListener<T>, Subscription> subscribe) {
        subscription = subscribe.apply(this);
        if (closed) {
            subscription.cancel();
        }
        return this;
    }

    /** Stops delivery and cancels the subscription made by {@link #follow}; queued items are dropped. */
    public void close() {
        closed = true;
        queue.clear();
        Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    private void enqueue(Signal<T> signal) {
        if (closed) {
            return;
        }
        queue.add(signal);
        if (flushScheduled.compareAndSet(false, true)) {
            ui.onUi(this::flush);
        }
    }

    private void flush() {
        flushScheduled.set(false);
        List<T> batch = new ArrayList<>();
        Signal<T> s;
        while (!closed && (s = queue.poll()) != null) {
            if (s instanceof Item<T> item) {
                batch.add(item.value());
            } else {
                if (!batch.isEmpty()) {
                    sink.onBatch(List.copyOf(batch));
                    batch.clear();
                }
                if (s instanceof Failed<T> f) {
                    sink.onError(f.error());
                } else {
                    sink.onCompleted();
                }
            }
        }
        if (!closed && !batch.isEmpty()) {
            sink.onBatch(List.copyOf(batch));
        }
    }
}
