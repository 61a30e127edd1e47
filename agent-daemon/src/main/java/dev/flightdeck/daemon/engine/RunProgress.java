package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.approval.ApprovalKind;
import dev.flightdeck.daemon.bundle.ToolPolicy;
import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ToolCall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run's state, derived only from its committed events: folding the history of a run rebuilds
 * exactly what the loop needs to continue, so a run resumed after a restart and a fresh run take
 * the same code path, and nothing whose result is committed is done twice.
 */
final class RunProgress {
    /** What is known about one tool call of the latest model answer. */
    static final class CallState {
        final ToolCall call;
        ToolPolicy policy;
        /** An approval requested and not decided yet (null when none). */
        String pendingApprovalId;
        /** Every approval requested for this call, by id, with its kind. */
        final Map<String, ApprovalKind> approvals = new LinkedHashMap<>();
        /** The decision of the call's gated (policy ask) approval, once made. */
        EventPayload.ApprovalDecided gatedDecision;
        /** The latest decision of an ambiguous-call approval, and the attempt count when it was made. */
        EventPayload.ApprovalDecided ambiguousDecision;
        int ambiguousDecisionAttempts;
        int attempts;
        /** The arguments of the latest committed start (the edited ones after APPROVE_WITH_EDITS). */
        String startedArgumentsJson;
        boolean finished;

        CallState(ToolCall call) {
            this.call = call;
        }

        boolean proposed() {
            return policy != null;
        }

        /** A start was committed but no result: the daemon stopped while the tool ran. */
        boolean interrupted() {
            return attempts > 0 && !finished;
        }

        /** An ambiguous-call decision made since the latest start, not yet acted on. */
        EventPayload.ApprovalDecided freshAmbiguousDecision() {
            return ambiguousDecision != null && ambiguousDecisionAttempts == attempts ? ambiguousDecision : null;
        }
    }

    private boolean started;
    private boolean finished;
    private int steps;
    private boolean awaitingResponse;
    private EventPayload.ModelResponded lastResponse;
    private final Map<String, CallState> calls = new LinkedHashMap<>();
    /** The conversation as sent so far: the concatenation of every ModelRequested's new messages. */
    private final List<ChatMessage> sent = new ArrayList<>();
    /** Messages produced since the last request (assistant answer, tool results). */
    private final List<ChatMessage> pending = new ArrayList<>();

    void apply(EventPayload payload) {
        if (payload instanceof EventPayload.RunStarted) {
            started = true;
        } else if (payload instanceof EventPayload.ModelRequested r) {
            steps++;
            sent.addAll(r.newMessages());
            pending.clear();
            awaitingResponse = true;
            lastResponse = null;
            calls.clear();
        } else if (payload instanceof EventPayload.ModelResponded r) {
            awaitingResponse = false;
            lastResponse = r;
            pending.add(r.message());
            r.message().toolCalls().forEach(c -> calls.put(c.callId(), new CallState(c)));
        } else if (payload instanceof EventPayload.ToolCallProposed p) {
            call(p.call().callId()).policy = p.policy();
        } else if (payload instanceof EventPayload.ApprovalRequested a) {
            CallState c = call(a.call().callId());
            c.pendingApprovalId = a.approvalId();
            c.approvals.put(a.approvalId(), a.kind() == null ? ApprovalKind.GATED_TOOL_CALL : a.kind());
        } else if (payload instanceof EventPayload.ApprovalDecided d) {
            CallState c = calls.values().stream().filter(x -> x.approvals.containsKey(d.approvalId())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("decision for unknown approval " + d.approvalId()));
            if (d.approvalId().equals(c.pendingApprovalId)) {
                c.pendingApprovalId = null;
            }
            if (c.approvals.get(d.approvalId()) == ApprovalKind.AMBIGUOUS_TOOL_CALL) {
                c.ambiguousDecision = d;
                c.ambiguousDecisionAttempts = c.attempts;
            } else {
                c.gatedDecision = d;
            }
        } else if (payload instanceof EventPayload.ToolCallStarted s) {
            CallState c = call(s.call().callId());
            c.attempts = s.attempt();
            c.startedArgumentsJson = s.call().argumentsJson();
        } else if (payload instanceof EventPayload.ToolCallFinished f) {
            call(f.callId()).finished = true;
            pending.add(ChatMessage.toolResult(f.callId(), f.toolName(), f.resultJson()));
        } else if (payload instanceof EventPayload.RunFinished) {
            finished = true;
        }
    }

    private CallState call(String callId) {
        CallState c = calls.get(callId);
        if (c == null) {
            throw new IllegalStateException("event refers to unknown tool call " + callId);
        }
        return c;
    }

    boolean started() {
        return started;
    }

    boolean finished() {
        return finished;
    }

    /** Model calls made (or begun) so far. */
    int steps() {
        return steps;
    }

    /** A request is committed but its answer is not: the model must be called (again). */
    boolean awaitingResponse() {
        return awaitingResponse;
    }

    Optional<EventPayload.ModelResponded> lastResponse() {
        return Optional.ofNullable(lastResponse);
    }

    /** The first tool call of the latest answer that has no result yet. */
    Optional<CallState> nextOpenCall() {
        return calls.values().stream().filter(c -> !c.finished).findFirst();
    }

    List<ChatMessage> sentConversation() {
        return List.copyOf(sent);
    }

    /** Messages the next request adds to the conversation. */
    List<ChatMessage> pendingMessages() {
        return List.copyOf(pending);
    }
}
