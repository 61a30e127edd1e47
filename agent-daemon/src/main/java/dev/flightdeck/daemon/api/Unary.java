package dev.flightdeck.daemon.api;

import io.grpc.stub.StreamObserver;

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
}
