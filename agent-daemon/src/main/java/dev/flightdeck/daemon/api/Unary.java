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
     * timer fires and leaves it not knowing: a fifth of the time the call has left, at most this.
     * (A flat 50 ms until 2026-11-22: on a loaded 2-core machine the answer sometimes came after
     * the client's deadline, which then saw DEADLINE_EXCEEDED instead of "busy".)
     */
    static final Duration MAX_DEADLINE_MARGIN = Duration.ofMillis(250);

    /** The margin for a call with {@code left} until its deadline (see {@link #MAX_DEADLINE_MARGIN}). */
    static Duration deadlineMargin(Duration left) {
        Duration fifth = left.isNegative() ? Duration.ZERO : left.dividedBy(5);
        return fifth.compareTo(MAX_DEADLINE_MARGIN) < 0 ? fifth : MAX_DEADLINE_MARGIN;
    }

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
     * gets the caller's wait: the call's deadline less {@link #deadlineMargin}, and its
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
        if (deadline == null) {
            return CallerWait.unbounded();
        }
        Duration left = Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS));
        return CallerWait.upTo(left.minus(deadlineMargin(left)));
    }
}
