package dev.flightdeck.daemon.error;

/** The request reaches past the end of something that will not grow any more (gRPC OUT_OF_RANGE). */
public final class OutOfRangeException extends DomainException {
    public OutOfRangeException(String message) {
        super(message);
    }
}
