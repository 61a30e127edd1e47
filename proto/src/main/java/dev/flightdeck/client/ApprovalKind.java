package dev.flightdeck.client;

import java.util.List;

/** What a reviewer is asked to decide; it fixes which decisions are valid. */
public enum ApprovalKind {
    /** The bundle's policy for the tool is {@code ask}: approve, approve with edits, or reject. */
    GATED_TOOL_CALL,
    /** The daemon stopped while a non-idempotent tool ran: retry, record a result by hand, or fail the run. */
    AMBIGUOUS_TOOL_CALL,
    /** A kind this client does not know (a newer daemon). */
    UNKNOWN;

    /** The decisions valid for this kind. */
    public List<ApprovalDecision> decisions() {
        return switch (this) {
            case GATED_TOOL_CALL -> List.of(ApprovalDecision.APPROVE, ApprovalDecision.APPROVE_WITH_EDITS,
                    ApprovalDecision.REJECT);
            case AMBIGUOUS_TOOL_CALL -> List.of(ApprovalDecision.RETRY, ApprovalDecision.RECORD_RESULT,
                    ApprovalDecision.FAIL_RUN);
            case UNKNOWN -> List.of();
        };
    }
}
