package dev.flightdeck.client;

/**
 * Which approvals to list or follow; empty fields mean "any".
 *
 * @param state null for any state
 */
public record ApprovalFilter(ApprovalState state, String runId, String tenant) {
    public static final ApprovalFilter ALL = new ApprovalFilter(null, "", "");
    public static final ApprovalFilter PENDING = new ApprovalFilter(ApprovalState.PENDING, "", "");

    public ApprovalFilter {
        runId = runId == null ? "" : runId;
        tenant = tenant == null ? "" : tenant;
    }
}
