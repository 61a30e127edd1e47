package dev.flightdeck.daemon.model;

/** A model call failed in a way the run cannot recover from (the message says why, for humans). */
public class ModelCallException extends Exception {
    public ModelCallException(String message) {
        super(message);
    }
}
