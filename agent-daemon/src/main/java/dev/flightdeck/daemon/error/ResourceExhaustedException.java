package dev.flightdeck.daemon.error;

/** A limit was reached (e.g. a stream consumer too slow, a queue full). */
public final class ResourceExhaustedException extends DomainException {
    public ResourceExhaustedException(String message) {
        super(message);
    }
}
