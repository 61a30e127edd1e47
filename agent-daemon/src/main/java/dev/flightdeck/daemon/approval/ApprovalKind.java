package dev.flightdeck.daemon.approval;

import java.util.Arrays;
import java.util.List;

/** What a human is asked to decide. */
public enum ApprovalKind {
    /** The tool's policy is {@code ask}: the call has not executed. */
    GATED_TOOL_CALL,
    /** The daemon stopped while a non-idempotent tool was executing: its effect is unknown. */
    AMBIGUOUS_TOOL_CALL;

    /** The decisions valid for this kind, in display order. */
    public List<ApprovalDecision> decisions() {
        return Arrays.stream(ApprovalDecision.values()).filter(d -> d.kind() == this).toList();
    }
}
