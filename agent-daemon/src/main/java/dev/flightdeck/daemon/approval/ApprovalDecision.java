package dev.flightdeck.daemon.approval;

/** How a reviewer decided an approval. Which decisions are valid depends on the {@link ApprovalKind}. */
public enum ApprovalDecision {
    /** Gated call: execute as proposed. */
    APPROVE(ApprovalKind.GATED_TOOL_CALL),
    /** Gated call: execute with the reviewer's edited arguments. */
    APPROVE_WITH_EDITS(ApprovalKind.GATED_TOOL_CALL),
    /** Gated call: never execute; the reason goes back to the model as the tool's (error) result. */
    REJECT(ApprovalKind.GATED_TOOL_CALL),
    /** Ambiguous call: execute again. */
    RETRY(ApprovalKind.AMBIGUOUS_TOOL_CALL),
    /** Ambiguous call: do not execute; the reviewer's result becomes the tool's result. */
    RECORD_RESULT(ApprovalKind.AMBIGUOUS_TOOL_CALL),
    /** Ambiguous call: do not execute; the run ends FAILED. */
    FAIL_RUN(ApprovalKind.AMBIGUOUS_TOOL_CALL);

    private final ApprovalKind kind;

    ApprovalDecision(ApprovalKind kind) {
        this.kind = kind;
    }

    /** The kind of approval this decision answers. */
    public ApprovalKind kind() {
        return kind;
    }
}
