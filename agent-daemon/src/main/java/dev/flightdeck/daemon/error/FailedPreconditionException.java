package dev.flightdeck.daemon.error;

/** The request is valid but the current state does not allow it. */
public final class FailedPreconditionException extends DomainException {
    public FailedPreconditionException(String message) {
        super(message);
    }
}
