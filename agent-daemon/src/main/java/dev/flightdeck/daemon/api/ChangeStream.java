package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.engine.RunFeed;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One "follow changes" stream (WatchRuns, WatchApprovals). Pending updates are coalesced per key
 * (only the newest state of an item waits to be sent), sends happen only while the transport is
 * ready, so memory is bounded by the number of distinct items changing while the client is slow;
 * past {@link #MAX_PENDING} the stream fails with RESOURCE_EXHAUSTED and the client lists again.
 * An item that cannot be converted ends the stream with a mapped status rather than leaving the
 * client waiting on a stream nobody feeds.
 *
 * @param <R> the domain record that changed
 * @param <P> the message sent to the client
 */
final class ChangeStream<R, P> {
    static final int MAX_PENDING = 10_000;

    private final ServerCallStreamObserver<P> call;
    private final Function<Consumer<R>, RunFeed.Registration> subscribe;
    private final Predicate<R> wanted;
    private final Function<R, String> key;
    private final Function<R, P> convert;
    private final String slowClientAdvice;
    private final StatusMapper errors;
    private final SerialPump pump;
    private final Map<String, R> pending = new LinkedHashMap<>();
    private volatile RunFeed.Registration registration;
    private volatile boolean done;
    private volatile boolean overflowed;

    /**
     * @param subscribe        registers a listener for changes and returns its registration
     * @param wanted           which changes this client asked for (its filters)
     * @param key              the item's id, the unit of coalescing
     * @param slowClientAdvice what the client should do after falling too far behind
     */
    ChangeStream(ServerCallStreamObserver<P> call, Function<Consumer<R>, RunFeed.Registration> subscribe,
                 Predicate<R> wanted, Function<R, String> key, Function<R, P> convert, String slowClientAdvice,
                 StatusMapper errors, Executor executor) {
        this.call = call;
        this.subscribe = subscribe;
        this.wanted = wanted;
        this.key = key;
        this.convert = convert;
        this.slowClientAdvice = slowClientAdvice;
        this.errors = errors;
        this.pump = new SerialPump(executor, this::drain, () -> fail(Status.RESOURCE_EXHAUSTED
                .withDescription("the daemon is too busy to serve this stream")));
    }

    void start() {
        call.setOnCancelHandler(this::stop);
        call.setOnReadyHandler(pump::signal);
        registration = subscribe.apply(this::changed);
    }

    private void changed(R item) {
        if (done || !wanted.test(item)) {
            return;
        }
        boolean overflow;
        synchronized (pending) {
            String id = key.apply(item);
            pending.remove(id); // re-insert at the end: updates go out in change order
            pending.put(id, item);
            overflow = pending.size() > MAX_PENDING;
        }
        if (overflow) {
            overflowed = true;
            closeRegistration();
            synchronized (pending) {
                pending.clear(); // free the memory now; the pump ends the stream
            }
        }
        pump.signal();
    }

    private void drain() {
        if (overflowed && !done) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription(slowClientAdvice));
            return;
        }
        try {
            while (!done && call.isReady()) {
                R next;
                synchronized (pending) {
                    Iterator<R> it = pending.values().iterator();
                    if (!it.hasNext()) {
                        return;
                    }
                    next = it.next();
                    it.remove();
                }
                call.onNext(convert.apply(next));
            }
        } catch (RuntimeException e) {
            if (!done && !call.isCancelled()) {
                stop();
                call.onError(errors.toStatus(e));
            }
        }
    }

    private void fail(Status status) {
        stop();
        call.onError(status.asRuntimeException());
    }

    private void stop() {
        done = true;
        closeRegistration();
    }

    private void closeRegistration() {
        RunFeed.Registration r = registration;
        if (r != null) {
            r.close();
        }
    }
}
