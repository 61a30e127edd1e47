package dev.flightdeck.daemon.store;

/** An event append lost a race: the run's last sequence was not the one the writer expected. */
public final class ConcurrentAppendException extends StoreException {
    public ConcurrentAppendException(String message) {
        super(message, null);
    }
}
