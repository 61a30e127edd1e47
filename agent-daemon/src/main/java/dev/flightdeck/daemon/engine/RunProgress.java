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
    /** Tool calls proposed by the model in this run, by tool name + canonical arguments. */
    private final Map<String, Integer> callCounts = new java.util.HashMap<>();
    /** The latest answer (text and tool calls, without call ids) and how many answers in a row were exactly it. */
    private String lastOutput = "";
    private int sameOutputStreak;

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
            r.message().toolCalls().forEach(c -> callCounts.merge(callKey(c), 1, Integer::sum));
            String output = describe(r.message());
            if (output.equals(lastOutput)) {
                sameOutputStreak++;
            } else {
                lastOutput = output;
                sameOutputStreak = 1;
            }
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

    /** A tool call of the latest answer and how often the run has asked for exactly it. */
    record RepeatedCall(ToolCall call, int count) {
    }

    /** The call of the latest answer asked for most often in this run (same tool, same arguments). */
    Optional<RepeatedCall> mostRepeatedCallOfLatestAnswer() {
        if (lastResponse == null) {
            return Optional.empty();
        }
        return lastResponse.message().toolCalls().stream()
                .map(c -> new RepeatedCall(c, callCounts.getOrDefault(callKey(c), 0)))
                .max(java.util.Comparator.comparingInt(RepeatedCall::count));
    }

    /** How many answers in a row, ending with the latest, were the same (text and tool calls). */
    int sameOutputStreak() {
        return sameOutputStreak;
    }

    /** The latest answer as text: what it said, then each tool call as {@code name {args}}. */
    String lastOutput() {
        return lastOutput;
    }

    private static String describe(ChatMessage answer) {
        StringBuilder out = new StringBuilder(answer.content().strip());
        for (ToolCall c : answer.toolCalls()) {
            out.append(out.length() == 0 ? "" : "; ").append(c.toolName()).append(' ')
                    .append(canonicalArguments(c.argumentsJson()));
        }
        return out.toString();
    }

    /** Tool name and arguments with object keys sorted, so {"a":1,"b":2} and {"b":2,"a":1} are one call. */
    static String callKey(ToolCall call) {
        return call.toolName() + "\n" + canonicalArguments(call.argumentsJson());
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    static String canonicalArguments(String argumentsJson) {
        try {
            return sorted(JSON.readTree(argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson)).toString();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return argumentsJson; // not JSON: compare the text as it is
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode sorted(com.fasterxml.jackson.databind.JsonNode node) {
        if (node.isObject()) {
            com.fasterxml.jackson.databind.node.ObjectNode out = JSON.createObjectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.stream().sorted().forEach(n -> out.set(n, sorted(node.get(n))));
            return out;
        }
        if (node.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode out = JSON.createArrayNode();
            node.forEach(n -> out.add(sorted(n)));
            return out;
        }
        return node;
    }

    List<ChatMessage> sentConversation() {
        return List.copyOf(sent);
    }

    /** Messages the next request adds to the conversation. */
    List<ChatMessage> pendingMessages() {
        return List.copyOf(pending);
    }
}
