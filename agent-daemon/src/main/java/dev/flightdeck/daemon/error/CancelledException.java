package dev.flightdeck.daemon.error;

/** The caller gave up on its request (cancelled it, or its deadline passed) before it was carried out: nothing changed. */
public final class CancelledException extends DomainException {
    public CancelledException(String message) {
        super(message);
    }
}
