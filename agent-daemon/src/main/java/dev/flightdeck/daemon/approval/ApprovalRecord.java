package dev.flightdeck.daemon.approval;

import dev.flightdeck.daemon.bundle.ToolPolicy;

import java.time.Instant;

/**
 * An approval as stored: what was gated (with its run context), and the decision once made. A
 * projection of the run's {@code approval_requested} / {@code approval_decided} events, written in
 * the same transaction as each of them.
 *
 * @param decision        null until decided
 * @param decidedAt       null while pending
 * @param parametersJson  the tool's JSON Schema for its arguments (from the run's bundle version)
 */
public record ApprovalRecord(String approvalId, String runId, String tenant, String bundleName, String bundleVersion,
                             int step, String callId, String toolName, String argumentsJson, ToolPolicy policy,
                             String reason, ApprovalKind kind, ApprovalState state, Instant createdAt,
                             ApprovalDecision decision, String reviewer, String decisionReason, Instant decidedAt,
                             String editedArgumentsJson, String manualResultJson, String requestId,
                             String parametersJson) {

    /** A new pending approval. */
    public static ApprovalRecord pending(String approvalId, String runId, String tenant, String bundleName,
                                         String bundleVersion, int step, String callId, String toolName,
                                         String argumentsJson, ToolPolicy policy, String reason, ApprovalKind kind,
                                         Instant createdAt, String parametersJson) {
        return new ApprovalRecord(approvalId, runId, tenant, bundleName, bundleVersion, step, callId, toolName,
                argumentsJson, policy, reason, kind, ApprovalState.PENDING, createdAt, null, "", "", null, "", "", "",
                parametersJson);
    }

    /** The same approval with its arguments passed through {@code redactor}. */
    public ApprovalRecord redacted(SecretRedactor redactor) {
        return new ApprovalRecord(approvalId, runId, tenant, bundleName, bundleVersion, step, callId, toolName,
                redactor.redactJson(argumentsJson), policy, reason, kind, state, createdAt, decision, reviewer,
                decisionReason, decidedAt, redactor.redactJson(editedArgumentsJson),
                redactor.redactJson(manualResultJson), requestId, parametersJson);
    }
}
