package dev.flightdeck.daemon.approval;

/**
 * Which approvals to list, newest first.
 *
 * @param state     null for any state
 * @param runId     "" for any run
 * @param tenant    "" for any tenant
 * @param beforeSeq list only approvals older than this position (0: from the newest)
 */
public record ApprovalQuery(ApprovalState state, String runId, String tenant, long beforeSeq, int limit) {
}
