package dev.flightdeck.daemon.approval;

import java.time.Instant;

/** A change to approval rows, committed in the same transaction as the run event that causes it. */
public sealed interface ApprovalWrite {
    /** The same write with its timestamp set to the commit time of its event. */
    ApprovalWrite at(Instant eventTime);

    /** A new pending approval (with {@code approval_requested}); its created_at is the event's time. */
    record Insert(ApprovalRecord approval) implements ApprovalWrite {
        @Override
        public ApprovalWrite at(Instant eventTime) {
            ApprovalRecord a = approval;
            return new Insert(new ApprovalRecord(a.approvalId(), a.runId(), a.tenant(), a.bundleName(),
                    a.bundleVersion(), a.step(), a.callId(), a.toolName(), a.argumentsJson(), a.policy(), a.reason(),
                    a.kind(), a.state(), eventTime, a.decision(), a.reviewer(), a.decisionReason(), a.decidedAt(),
                    a.editedArgumentsJson(), a.manualResultJson(), a.requestId(), a.parametersJson()));
        }
    }

    /** A pending approval becomes DECIDED (with {@code approval_decided}); fails if it is not pending. */
    record Decide(String approvalId, ApprovalDecision decision, String reviewer, String reason,
                  String editedArgumentsJson, String manualResultJson, String requestId, Instant decidedAt)
            implements ApprovalWrite {
        @Override
        public ApprovalWrite at(Instant eventTime) {
            return new Decide(approvalId, decision, reviewer, reason, editedArgumentsJson, manualResultJson, requestId,
                    eventTime);
        }
    }

    /** Every pending approval of a run becomes CLOSED (with {@code run_finished}). */
    record CloseOpen(String runId, String reason, Instant closedAt) implements ApprovalWrite {
        @Override
        public ApprovalWrite at(Instant eventTime) {
            return new CloseOpen(runId, reason, eventTime);
        }
    }
}
