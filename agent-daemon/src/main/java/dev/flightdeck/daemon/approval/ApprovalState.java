package dev.flightdeck.daemon.approval;

/** Where an approval is in its life. */
public enum ApprovalState {
    /** Waiting for a human. */
    PENDING,
    /** A human decided it. */
    DECIDED,
    /** The run ended before anyone decided it. */
    CLOSED
}
