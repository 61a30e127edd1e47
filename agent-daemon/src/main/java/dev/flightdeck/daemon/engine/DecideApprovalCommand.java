package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.approval.ApprovalDecision;

/**
 * A reviewer's decision as asked for (not yet validated).
 *
 * @param decision null when the client sent none
 */
public record DecideApprovalCommand(String approvalId, ApprovalDecision decision, String editedArgumentsJson,
                                    String manualResultJson, String reason, String reviewer, String requestId) {
    public DecideApprovalCommand {
        approvalId = approvalId == null ? "" : approvalId.trim();
        editedArgumentsJson = editedArgumentsJson == null ? "" : editedArgumentsJson;
        manualResultJson = manualResultJson == null ? "" : manualResultJson;
        reason = reason == null ? "" : reason.strip();
        reviewer = reviewer == null ? "" : reviewer.strip();
        requestId = requestId == null ? "" : requestId;
    }
}
