package dev.flightdeck.daemon.error;

/** The request conflicts with something that exists (e.g. an idempotency key used for another run). */
public final class AlreadyExistsException extends DomainException {
    public AlreadyExistsException(String message) {
        super(message);
    }
}
