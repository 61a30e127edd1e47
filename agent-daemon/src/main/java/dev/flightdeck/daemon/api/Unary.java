package dev.flightdeck.daemon.api;

import io.grpc.stub.StreamObserver;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/** Runs a unary rpc body and answers with its result, or with the mapped status of its failure. */
final class Unary {
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
     * thread returns at once instead of waiting (e.g. for a worker to let go of a run).
     */
    <T> void answerLater(StreamObserver<T> observer, Supplier<CompletableFuture<T>> body) {
        CompletableFuture<T> future;
        try {
            future = body.get();
        } catch (RuntimeException e) {
            observer.onError(errors.toStatus(e));
            return;
        }
        future.whenComplete((result, failure) -> {
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
}
