package dev.flightdeck.daemon.model;

/** The call was abandoned because the run was cancelled or the daemon is stopping. */
public final class ModelCallCancelledException extends ModelCallException {
    public ModelCallCancelledException() {
        super("the model call was abandoned");
    }
}
