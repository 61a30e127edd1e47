package dev.flightdeck.daemon.error;

/** The daemon cannot take the request now (e.g. it is draining to stop); trying again later may work. */
public final class UnavailableException extends DomainException {
    public UnavailableException(String message) {
        super(message);
    }
}
