package dev.flightdeck.daemon.tool;

/** A tool call failed; its message becomes the error result the model sees. */
public final class ToolFailure extends Exception {
    public ToolFailure(String message) {
        super(message);
    }
}
