package dev.flightdeck.client;

/**
 * Receives a live stream's items on a gRPC thread. Implementations must not touch UI state
 * directly: the console batches items onto the FX thread.
 */
public interface StreamListener<T> {
    void onItem(T item);

    /** The stream ended because its subject finished (e.g. the run is terminal and fully sent). */
    default void onCompleted() {
    }

    /** The stream broke: the daemon went away, or refused the call. */
    default void onError(DaemonCallException error) {
    }
}
