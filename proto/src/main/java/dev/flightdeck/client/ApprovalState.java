package dev.flightdeck.client;

/** Where an approval is in its life. */
public enum ApprovalState {
    /** Waiting for a reviewer; its run is WAITING_APPROVAL. */
    PENDING,
    /** A reviewer decided it. */
    DECIDED,
    /** Its run ended (e.g. was cancelled) before anyone decided it. */
    CLOSED,
    /** A state this client does not know. */
    UNKNOWN
}
