package dev.flightdeck.daemon.model;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the waits asked for instead of waiting: each is over at once. */
final class RecordingSleeper implements Sleeper {
    final List<Long> waits = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Void> after(long millis) {
        waits.add(millis);
        return CompletableFuture.completedFuture(null);
    }
}
