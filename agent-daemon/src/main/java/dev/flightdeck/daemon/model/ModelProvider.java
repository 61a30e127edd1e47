package dev.flightdeck.daemon.model;

import java.util.concurrent.CompletableFuture;

/**
 * Where model calls go. Implementations are stateless between calls: everything a call needs is
 * in the request, so a resumed run gets the same treatment as a fresh one.
 *
 * <p>Calls are asynchronous: no thread waits for a model's answer. The caller cancels the returned
 * future (or completes it, e.g. by a timeout) when it no longer wants the answer; the provider then
 * stops what it was doing for the call (aborts the HTTP exchange, drops a pending wait).
 */
public interface ModelProvider {
    /** The provider name bundles use, e.g. {@code scripted}. */
    String name();

    /**
     * Starts one call (with whatever retries the provider does). The future completes with the
     * answer, or exceptionally with a {@link ModelCallException} when no answer can be had. It may
     * be complete on return (e.g. a scripted turn with no latency).
     */
    CompletableFuture<ModelReply> call(ModelRequest request);
}
