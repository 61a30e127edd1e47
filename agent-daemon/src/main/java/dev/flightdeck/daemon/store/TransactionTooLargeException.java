package dev.flightdeck.daemon.store;

/**
 * A write transaction larger than the write journal's record limit: it was refused whole and
 * nothing was written. Repeating it fails the same way.
 */
public final class TransactionTooLargeException extends StoreException {
    public TransactionTooLargeException(String message) {
        super(message);
    }
}
