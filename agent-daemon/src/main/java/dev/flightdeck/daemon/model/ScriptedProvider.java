package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The offline, deterministic model: plays the bundle's script. Turn {@code i} is played when the
 * conversation already holds {@code i} assistant messages, so a resumed run gets exactly the
 * answer a fresh run would have got at that point.
 *
 * <p>A turn is {@code {"text": "..."}} or {@code {"tool_calls": [{"tool": NAME, "arguments": {...}}]}},
 * with optional {@code latency_ms} (the call takes that long: its answer is a task on a shared timer,
 * so a call in flight holds no thread) and {@code usage}
 * ({@code {"input_tokens": N, "output_tokens": N}}). Without {@code usage} (or with both counts
 * zero, which is how the bundle parser normalizes a missing one), tokens are estimated
 * as characters / 4 (rounded up) of the conversation sent and of the answer. Scripted calls
 * cost nothing and count as priced.
 */
public final class ScriptedProvider implements ModelProvider {
    public static final String NAME = "scripted";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ScheduledExecutorService timer;

    /** @param timer completes calls that have a {@code latency_ms} */
    public ScriptedProvider(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<ModelReply> call(ModelRequest request) {
        long started = System.nanoTime();
        JsonNode t;
        int turn;
        try {
            JsonNode script = parseScript(request.scriptJson());
            turn = (int) request.messages().stream().filter(m -> m.role() == Role.ASSISTANT).count();
            if (turn >= script.size()) {
                throw new ModelCallException("the script has " + script.size() + " turn(s) and the run asked for turn "
                        + (turn + 1) + ": add turns to the bundle's model.script or end it with a text answer");
            }
            t = script.get(turn);
        } catch (ModelCallException e) {
            return CompletableFuture.failedFuture(e);
        }
        long latencyMs = t.path("latency_ms").asLong(0);
        if (latencyMs <= 0) {
            return CompletableFuture.completedFuture(answer(request, t, turn, started));
        }
        CompletableFuture<ModelReply> reply = new CompletableFuture<>();
        ScheduledFuture<?> due = timer.schedule(() -> {
            try {
                reply.complete(answer(request, t, turn, started));
            } catch (RuntimeException e) {
                reply.completeExceptionally(e);
            }
        }, latencyMs, TimeUnit.MILLISECONDS);
        reply.whenComplete((r, e) -> due.cancel(false)); // a cancelled call leaves no task behind
        return reply;
    }

    private static ModelReply answer(ModelRequest request, JsonNode t, int turn, long started) {
        List<ToolCall> calls = new ArrayList<>();
        JsonNode callsNode = t.path("tool_calls");
        for (int i = 0; i < callsNode.size(); i++) {
            JsonNode c = callsNode.get(i);
            JsonNode args = c.path("arguments");
            calls.add(new ToolCall("call_" + (turn + 1) + "_" + (i + 1), c.path("tool").asText(),
                    args.isMissingNode() || args.isNull() ? "{}" : args.toString()));
        }
        String text = t.path("text").asText("");
        ChatMessage answer = ChatMessage.assistant(text, calls);
        Usage usage = usage(t.path("usage"), request.messages(), answer);
        long latencyMs = (System.nanoTime() - started) / 1_000_000;
        return new ModelReply(request.model(), answer, calls.isEmpty() ? "stop" : "tool_calls", usage, latencyMs,
                List.of(new ModelAttempt(1, request.model(), 200, "", 0, latencyMs)));
    }

    private static JsonNode parseScript(String scriptJson) throws ModelCallException {
        try {
            JsonNode node = JSON.readTree(scriptJson == null || scriptJson.isBlank() ? "[]" : scriptJson);
            if (!node.isArray()) {
                throw new ModelCallException("the scripted provider's script is not a JSON array");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ModelCallException("the scripted provider's script is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Usage usage(JsonNode u, List<ChatMessage> sent, ChatMessage answer) {
        // The parser normalizes a missing usage to zeros, so all-zero means "not given": estimate.
        if (u.path("input_tokens").asLong(0) > 0 || u.path("output_tokens").asLong(0) > 0) {
            return new Usage(u.path("input_tokens").asLong(0), 0, u.path("output_tokens").asLong(0), 0, 0, true);
        }
        long inChars = sent.stream().mapToLong(ScriptedProvider::chars).sum();
        return new Usage(ceilDiv4(inChars), 0, ceilDiv4(chars(answer)), 0, 0, true);
    }

    private static long chars(ChatMessage m) {
        return m.content().length() + m.toolCalls().stream()
                .mapToLong(c -> c.toolName().length() + c.argumentsJson().length()).sum();
    }

    private static long ceilDiv4(long n) {
        return (n + 3) / 4;
    }
}
