package dev.flightdeck.daemon.store;

/** The database failed in a way callers cannot act on (I/O, corruption, a bug in SQL). */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
