package dev.flightdeck.client;

import java.util.UUID;

/**
 * A reviewer's decision to send with {@link DaemonClient#decideApproval}. Build it with the static
 * factories; {@code requestId} makes a retried call return the first result.
 */
public record DecideApproval(String approvalId, ApprovalDecision decision, String editedArgumentsJson,
                             String manualResultJson, String reason, String reviewer, String requestId) {
    public DecideApproval {
        editedArgumentsJson = editedArgumentsJson == null ? "" : editedArgumentsJson;
        manualResultJson = manualResultJson == null ? "" : manualResultJson;
        reason = reason == null ? "" : reason;
        reviewer = reviewer == null ? "" : reviewer;
        requestId = requestId == null ? "" : requestId;
    }

    public static DecideApproval approve(String approvalId, String reason, String reviewer) {
        return new DecideApproval(approvalId, ApprovalDecision.APPROVE, "", "", reason, reviewer, newRequestId());
    }

    public static DecideApproval approveWithEdits(String approvalId, String editedArgumentsJson, String reason,
                                                  String reviewer) {
        return new DecideApproval(approvalId, ApprovalDecision.APPROVE_WITH_EDITS, editedArgumentsJson, "", reason,
                reviewer, newRequestId());
    }

    public static DecideApproval reject(String approvalId, String reason, String reviewer) {
        return new DecideApproval(approvalId, ApprovalDecision.REJECT, "", "", reason, reviewer, newRequestId());
    }

    public static DecideApproval retry(String approvalId, String reason, String reviewer) {
        return new DecideApproval(approvalId, ApprovalDecision.RETRY, "", "", reason, reviewer, newRequestId());
    }

    public static DecideApproval recordResult(String approvalId, String resultJson, String reason, String reviewer) {
        return new DecideApproval(approvalId, ApprovalDecision.RECORD_RESULT, "", resultJson, reason, reviewer,
                newRequestId());
    }

    public static DecideApproval failRun(String approvalId, String reason, String reviewer) {
        return new DecideApproval(approvalId, ApprovalDecision.FAIL_RUN, "", "", reason, reviewer, newRequestId());
    }

    /** The same decision with another request id (e.g. a test repeating a call on purpose). */
    public DecideApproval withRequestId(String id) {
        return new DecideApproval(approvalId, decision, editedArgumentsJson, manualResultJson, reason, reviewer, id);
    }

    /** The OS user name, the default reviewer of the CLI and the console. */
    public static String osUser() {
        String name = System.getProperty("user.name", "");
        return name.isBlank() ? "unknown" : name;
    }

    private static String newRequestId() {
        return UUID.randomUUID().toString();
    }
}
