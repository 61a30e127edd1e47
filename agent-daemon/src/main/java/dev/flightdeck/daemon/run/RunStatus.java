package dev.flightdeck.daemon.run;

/** Where a run is in its life. */
public enum RunStatus {
    QUEUED, RUNNING, WAITING_APPROVAL, SUCCEEDED, FAILED, CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
