package dev.flightdeck.client;

import java.time.Duration;
import java.time.Instant;

/**
 * An approval as the console and the CLI see it. {@code decision} and {@code decidedAt} are null
 * while pending; JSON fields are "" when not set.
 *
 * @param policy         the tool's bundle policy, lowercase ({@code ask}, {@code allow})
 * @param parametersJson the tool's JSON Schema for its arguments
 */
public record ApprovalInfo(String approvalId, String runId, String tenant, String bundleName, String bundleVersion,
                           int step, String callId, String toolName, String argumentsJson, String policy,
                           String reason, ApprovalKind kind, ApprovalState state, Instant createdAt,
                           ApprovalDecision decision, String reviewer, String decisionReason, Instant decidedAt,
                           String editedArgumentsJson, String manualResultJson, String parametersJson) {

    public boolean isPending() {
        return state == ApprovalState.PENDING;
    }

    /** How long it has waited (until {@code now} while pending, until the decision after). */
    public Duration age(Instant now) {
        if (createdAt == null) {
            return Duration.ZERO;
        }
        return Duration.between(createdAt, decidedAt != null ? decidedAt : now);
    }

    /** {@code name@<first 12 characters of the version>}. */
    public String bundleRef() {
        return bundleName + "@" + (bundleVersion.length() > 12 ? bundleVersion.substring(0, 12) : bundleVersion);
    }
}
