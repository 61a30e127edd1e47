package dev.flightdeck.client;

/** A live stream from the daemon; {@link #cancel()} stops it (views cancel when they close). */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    void cancel();

    @Override
    default void close() {
        cancel();
    }
}
