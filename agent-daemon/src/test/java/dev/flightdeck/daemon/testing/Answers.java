package dev.flightdeck.daemon.testing;

import io.grpc.stub.StreamObserver;

import java.util.concurrent.CompletableFuture;

/** Unary calls made with an async stub, their answer (or failure) in a future. */
public final class Answers {
    private Answers() {
    }

    /** An observer that completes {@code answer} with the call's response, or its failure. */
    public static <T> StreamObserver<T> into(CompletableFuture<T> answer) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
