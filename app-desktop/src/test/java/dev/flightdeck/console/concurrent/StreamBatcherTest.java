package dev.flightdeck.console.concurrent;

import dev.flightdeck.client.DaemonCallException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class StreamBatcherTest {

    /** A UI thread that only runs when the test says so: shows how many UI actions were asked for. */
    private static final class QueuedUi implements UiExecutor {
        final List<Runnable> queued = new ArrayList<>();

        @Override
        public <T> void submit(Callable<T> work, Consumer<? super T> onSuccess, Consumer<? super Throwable> onFailure) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void onUi(Runnable action) {
            queued.add(action);
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable action) {
            throw new UnsupportedOperationException();
        }

        void runAll() {
            List<Runnable> now = new ArrayList<>(queued);
            queued.clear();
            now.forEach(Runnable::run);
        }
    }

    private final QueuedUi ui = new QueuedUi();
    private final List<String> seen = new ArrayList<>();
    private final StreamBatcher<Integer> batcher = new StreamBatcher<>(ui, new StreamBatcher.Sink<>() {
        @Override
        public void onBatch(List<Integer> items) {
            seen.add("batch" + items);
        }

        @Override
        public void onCompleted() {
            seen.add("completed");
        }

        @Override
        public void onError(DaemonCallException error) {
            seen.add("error " + error.getMessage());
        }
    });

    @Test
    void manyItemsCostOneUiActionAndArriveAsOneBatchInOrder() {
        IntStream.rangeClosed(1, 500).forEach(batcher::onItem);

        assertThat(ui.queued).hasSize(1);
        ui.runAll();

        assertThat(seen).hasSize(1);
        assertThat(seen.get(0)).startsWith("batch[1, 2, 3").endsWith("499, 500]");
    }

    @Test
    void theEndOfTheStreamComesAfterTheItemsBeforeIt() {
        batcher.onItem(1);
        batcher.onItem(2);
        batcher.onError(new DaemonCallException("UNAVAILABLE", "daemon stopped", null));
        ui.runAll();

        assertThat(seen).containsExactly("batch[1, 2]", "error daemon stopped");
    }

    @Test
    void itemsAfterAFlushScheduleTheNextOne() {
        batcher.onItem(1);
        ui.runAll();
        batcher.onItem(2);
        batcher.onCompleted();
        assertThat(ui.queued).hasSize(1);
        ui.runAll();

        assertThat(seen).containsExactly("batch[1]", "batch[2]", "completed");
    }

    @Test
    void deliversNothingAfterClose() {
        batcher.onItem(1);
        batcher.close();
        batcher.onItem(2);
        ui.runAll();

        assertThat(seen).isEmpty();
    }

    @Test
    void closingCancelsTheSubscriptionItFollowsAndAClosedOneCancelsANewOneAtOnce() {
        java.util.concurrent.atomic.AtomicInteger cancelled = new java.util.concurrent.atomic.AtomicInteger();
        batcher.follow(listener -> {
            assertThat(listener).isSameAs(batcher);
            return cancelled::incrementAndGet;
        });
        assertThat(cancelled).hasValue(0);

        batcher.close();
        assertThat(cancelled).hasValue(1);

        batcher.follow(listener -> cancelled::incrementAndGet);
        assertThat(cancelled).as("followed after close: cancelled at once").hasValue(2);
    }
}
