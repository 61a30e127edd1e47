package dev.flightdeck.daemon.engine;

/** How a reviewer decided a gated tool call. */
public enum ApprovalDecision {
    APPROVE, APPROVE_WITH_EDITS, REJECT
}
