package dev.flightdeck.client;

/** A run's status as the client sees it (mirrors {@code flightdeck.v1.RunStatus}). */
public enum RunState {
    QUEUED, RUNNING, WAITING_APPROVAL, SUCCEEDED, FAILED, CANCELLED, UNKNOWN;

    /** True when the run can no longer change. */
    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
