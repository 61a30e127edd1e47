package dev.flightdeck.daemon.store;

/** An insert hit a unique constraint (e.g. a concurrent StartRun with the same idempotency key). */
public final class DuplicateKeyException extends StoreException {
    public DuplicateKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
