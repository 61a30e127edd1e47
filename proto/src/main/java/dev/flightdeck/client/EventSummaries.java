package dev.flightdeck.client;

import dev.flightdeck.proto.v1.ChatMessage;
import dev.flightdeck.proto.v1.RunEvent;
import dev.flightdeck.proto.v1.ToolCall;

import java.util.stream.Collectors;

/** One line per event, shared by the console's timeline and the CLI's step printout. */
public final class EventSummaries {
    private static final int MAX = 160;

    private EventSummaries() {
    }

    public static String summarize(RunEvent e) {
        return clip(switch (e.getPayloadCase()) {
            case RUN_STARTED -> "run started: " + e.getRunStarted().getBundleName() + " for tenant "
                    + e.getRunStarted().getTenant() + " — " + oneLine(e.getRunStarted().getInput());
            case MODEL_REQUESTED -> "model request to " + e.getModelRequested().getProvider() + "/"
                    + e.getModelRequested().getModel() + " (" + e.getModelRequested().getMessageCount()
                    + " messages)";
            case MODEL_RESPONDED -> "model " + e.getModelResponded().getModel() + ": "
                    + answer(e.getModelResponded().getMessage()) + " ["
                    + (e.getModelResponded().getUsage().getInputTokens()
                    + e.getModelResponded().getUsage().getOutputTokens()) + " tokens, "
                    + e.getModelResponded().getLatencyMs() + " ms]";
            case TOOL_CALL_PROPOSED -> "tool call proposed: " + call(e.getToolCallProposed().getCall()) + " — "
                    + policy(e.getToolCallProposed().getPolicy().name());
            case APPROVAL_REQUESTED -> "approval requested for " + call(e.getApprovalRequested().getCall())
                    + " — " + e.getApprovalRequested().getReason() + " (approval " + e.getApprovalRequested().getApprovalId()
                    + ")";
            case APPROVAL_DECIDED -> "approval decided: " + e.getApprovalDecided().getDecision().name()
                    .replace("APPROVAL_DECISION_", "").toLowerCase().replace('_', ' ') + " by "
                    + e.getApprovalDecided().getReviewer()
                    + (e.getApprovalDecided().getReason().isEmpty() ? "" : ": " + e.getApprovalDecided().getReason());
            case TOOL_CALL_STARTED -> "tool started: " + call(e.getToolCallStarted().getCall());
            case TOOL_CALL_FINISHED -> "tool " + e.getToolCallFinished().getToolName()
                    + (e.getToolCallFinished().getIsError() ? " failed → " : " → ")
                    + oneLine(e.getToolCallFinished().getResultJson()) + " [" + e.getToolCallFinished().getLatencyMs()
                    + " ms]";
            case GUARDRAIL_TRIPPED -> "guardrail: " + e.getGuardrailTripped().getMessage();
            case CANCEL_REQUESTED -> "cancel requested by " + e.getCancelRequested().getRequestedBy()
                    + (e.getCancelRequested().getReason().isEmpty() ? "" : ": " + e.getCancelRequested().getReason());
            case RUN_FINISHED -> "run " + e.getRunFinished().getStatus().name().replace("RUN_STATUS_", "")
                    .toLowerCase() + ": " + (e.getRunFinished().getOutput().isEmpty()
                    ? e.getRunFinished().getMessage() : oneLine(e.getRunFinished().getOutput()));
            case PAYLOAD_NOT_SET -> "unknown event";
        });
    }

    private static String answer(ChatMessage m) {
        if (m.getToolCallsCount() > 0) {
            return "calls " + m.getToolCallsList().stream().map(ToolCall::getToolName)
                    .collect(Collectors.joining(", "));
        }
        return "\"" + oneLine(m.getContent()) + "\"";
    }

    private static String call(ToolCall c) {
        return c.getToolName() + " " + oneLine(c.getArgumentsJson());
    }

    private static String policy(String name) {
        return name.replace("TOOL_POLICY_", "").toLowerCase();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }

    private static String clip(String s) {
        return s.length() <= MAX ? s : s.substring(0, MAX - 1) + "…";
    }
}
