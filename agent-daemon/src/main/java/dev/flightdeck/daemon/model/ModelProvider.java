package dev.flightdeck.daemon.model;

/**
 * Where model calls go. Implementations are stateless between calls: everything a call needs is
 * in the request, so a resumed run gets the same treatment as a fresh one.
 */
public interface ModelProvider {
    /** The provider name bundles use, e.g. {@code scripted}. */
    String name();

    /**
     * Makes one call (with whatever retries the provider does) and returns the answer.
     *
     * @throws ModelCallCancelledException when {@code control} says the answer is no longer wanted
     * @throws ModelCallException          when no answer can be had
     */
    ModelReply call(ModelRequest request, CallControl control) throws ModelCallException;
}
