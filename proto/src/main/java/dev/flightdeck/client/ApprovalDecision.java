package dev.flightdeck.client;

/** How a reviewer decides an approval (see {@link ApprovalKind#decisions()}). */
public enum ApprovalDecision {
    /** Gated call: execute as proposed. */
    APPROVE,
    /** Gated call: execute with edited arguments. */
    APPROVE_WITH_EDITS,
    /** Gated call: never execute; the reason goes back to the agent. */
    REJECT,
    /** Ambiguous call: execute it again. */
    RETRY,
    /** Ambiguous call: record the result by hand instead of executing. */
    RECORD_RESULT,
    /** Ambiguous call: end the run FAILED. */
    FAIL_RUN
}
