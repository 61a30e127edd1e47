package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.approval.ApprovalDecision;
import dev.flightdeck.daemon.approval.ApprovalKind;
import dev.flightdeck.daemon.bundle.ToolPolicy;
import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ModelAttempt;
import dev.flightdeck.daemon.model.ToolCall;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.run.TerminalReason;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a run event says happened: one record per event type. Stored as JSON with snake_case
 * fields; the event's {@code type} is the record's name in snake_case (e.g. {@code model_responded}),
 * the same names as the {@code RunEvent.payload} oneof of flightdeck.v1.
 */
public sealed interface EventPayload {

    /** The run began executing (written once, before the first step). */
    record RunStarted(String bundleName, String bundleVersion, String tenant, String input) implements EventPayload {
    }

    /**
     * About to call a model; committed before the call. {@code newMessages} are the messages added
     * since the previous request (all of them, system prompt first, for the first request).
     */
    record ModelRequested(String provider, String model, List<ChatMessage> newMessages, int messageCount,
                          List<String> toolNames) implements EventPayload {
    }

    /** The model answered; committed before the engine acts on the answer. */
    record ModelResponded(String provider, String model, ChatMessage message, String finishReason, Usage usage,
                          long latencyMs, List<ModelAttempt> attempts) implements EventPayload {
    }

    /** The model asked for a tool call and the bundle's policy says what happens to it. */
    record ToolCallProposed(ToolCall call, ToolPolicy policy, String policyReason) implements EventPayload {
    }

    /** A gated call waits for a human; the run holds no thread meanwhile. */
    record ApprovalRequested(String approvalId, ToolCall call, String reason, ApprovalKind kind)
            implements EventPayload {
    }

    /**
     * A human decided an approval. {@code editedArgumentsJson} is set for APPROVE_WITH_EDITS,
     * {@code manualResultJson} for RECORD_RESULT (both "" otherwise); {@code requestId} is the
     * client's request id ("" when none).
     */
    record ApprovalDecided(String approvalId, ApprovalDecision decision, String editedArgumentsJson, String reviewer,
                           String reason, String manualResultJson, String requestId) implements EventPayload {
    }

    /** A tool call is about to execute; committed before it runs. */
    record ToolCallStarted(ToolCall call, String idempotencyKey, int attempt) implements EventPayload {
    }

    /** A tool call's result (or error, denial, rejection); committed before the model sees it. */
    record ToolCallFinished(String callId, String toolName, String resultJson, boolean isError, long latencyMs)
            implements EventPayload {
    }

    /** A guardrail stopped the run. */
    record GuardrailTripped(TerminalReason guardrail, String limit, String observed, String message)
            implements EventPayload {
    }

    /** Someone asked the run to stop. */
    record CancelRequested(String requestedBy, String reason) implements EventPayload {
    }

    /** The run reached a terminal status; always its last event. */
    record RunFinished(RunStatus status, TerminalReason reason, String message, String output, Usage usage,
                       int stepCount) implements EventPayload {
    }

    List<Class<? extends EventPayload>> TYPES = List.of(RunStarted.class, ModelRequested.class,
            ModelResponded.class, ToolCallProposed.class, ApprovalRequested.class, ApprovalDecided.class,
            ToolCallStarted.class, ToolCallFinished.class, GuardrailTripped.class, CancelRequested.class,
            RunFinished.class);

    /** The event type name of a payload class, e.g. {@code ModelResponded} -> {@code model_responded}. */
    static String typeOf(Class<? extends EventPayload> type) {
        return type.getSimpleName().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** The payload class of an event type name. */
    static Class<? extends EventPayload> classOf(String type) {
        Class<? extends EventPayload> c = Names.BY_TYPE.get(type);
        if (c == null) {
            throw new IllegalArgumentException("unknown run event type \"" + type + "\"");
        }
        return c;
    }

    default String type() {
        // From a table: typeOf compiles a regular expression, and this runs several times per event.
        return Names.TYPE_OF.get(getClass());
    }

    /** Lookup table, kept out of the interface's public surface. */
    final class Names {
        private static final Map<String, Class<? extends EventPayload>> BY_TYPE = TYPES.stream()
                .collect(Collectors.toUnmodifiableMap(EventPayload::typeOf, Function.identity()));
        private static final Map<Class<?>, String> TYPE_OF = TYPES.stream()
                .collect(Collectors.toUnmodifiableMap(Function.identity(), EventPayload::typeOf));

        private Names() {
        }
    }
}
