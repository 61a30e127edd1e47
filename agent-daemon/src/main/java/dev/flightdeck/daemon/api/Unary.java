package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.engine.CallerWait;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/** Runs a unary rpc body and answers with its result, or with the mapped status of its failure. */
final class Unary {
    /**
     * How long before the client's deadline the daemon stops waiting on its behalf, so that its own
     * answer ("busy", "still loading": nothing was changed) reaches the client before the client's
     * timer fires and leaves it not knowing.
     */
    static final Duration DEADLINE_MARGIN = Duration.ofMillis(50);

    private final StatusMapper errors;

    Unary(StatusMapper errors) {
        this.errors = errors;
    }

    <T> void answer(StreamObserver<T> observer, Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (RuntimeException e) {
            observer.onError(errors.toStatus(e));
            return;
        }
        observer.onNext(result);
        observer.onCompleted();
    }

    /**
     * Answers once {@code body}'s future completes, from the thread that completes it: the rpc
     * thread returns at once instead of waiting (e.g. for a worker to let go of a run). The body
     * gets the caller's wait: the call's deadline less {@link #DEADLINE_MARGIN}, and its
     * cancellation (the client cancelled, or the deadline passed), after which nothing reaches the
     * client and the body withdraws what it still waits for.
     */
    <T> void answerLater(StreamObserver<T> observer, Function<CallerWait, CompletableFuture<T>> body) {
        Context context = Context.current();
        CallerWait caller = callerWait(context);
        Context.CancellationListener left = c -> caller.leave();
        // Direct: leaving only withdraws queued work (short); the context's own thread may run it.
        context.addListener(left, Runnable::run);
        CompletableFuture<T> future;
        try {
            future = body.apply(caller);
        } catch (RuntimeException e) {
            context.removeListener(left);
            observer.onError(errors.toStatus(e));
            return;
        }
        future.whenComplete((result, failure) -> {
            context.removeListener(left);
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                observer.onError(errors.toStatus(cause));
            } else {
                observer.onNext(result);
                observer.onCompleted();
            }
        });
    }

    /** The wait of the current call's client: its deadline less the margin, or none. */
    private static CallerWait callerWait(Context context) {
        Deadline deadline = context.getDeadline();
        return deadline == null ? CallerWait.unbounded()
                : CallerWait.upTo(Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS)).minus(DEADLINE_MARGIN));
    }
}
