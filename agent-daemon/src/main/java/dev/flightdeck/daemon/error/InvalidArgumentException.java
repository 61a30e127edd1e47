package dev.flightdeck.daemon.error;

/** A request field is wrong; the message names the field, e.g. {@code page_size: must be ...}. */
public final class InvalidArgumentException extends DomainException {
    public InvalidArgumentException(String message) {
        super(message);
    }
}
