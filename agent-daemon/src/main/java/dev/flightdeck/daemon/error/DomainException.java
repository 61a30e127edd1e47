package dev.flightdeck.daemon.error;

/**
 * A request the domain refuses, with a sentence fit to show the caller as it is. The API layer
 * maps each subclass to one gRPC status code; anything else is an unexpected error.
 */
public abstract class DomainException extends RuntimeException {
    protected DomainException(String message) {
        super(message);
    }
}
