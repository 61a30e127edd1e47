package dev.flightdeck.daemon.error;

/** The thing asked for (run, bundle, version) does not exist. */
public final class NotFoundException extends DomainException {
    public NotFoundException(String message) {
        super(message);
    }
}
