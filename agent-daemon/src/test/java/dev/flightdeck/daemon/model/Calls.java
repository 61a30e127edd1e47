package dev.flightdeck.daemon.model;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Shared pieces of the provider tests: a caller with recorded waits, targets, conversations. */
final class Calls {
    /** A planted API key value: it must never show up anywhere but the auth header. */
    static final String CANARY = "sk-canary-7f3a9c1e5b2d4f6a8c0e";
    static final Instant NOW = Instant.parse("2026-11-21T13:00:00Z");
    static final String LOOKUP_SCHEMA = "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\"}},"
            + "\"required\":[\"order_id\"]}";

    final RecordingSleeper sleeper = new RecordingSleeper();
    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    final HttpModelCaller caller;

    Calls(Path dir) {
        this(dir, Map.of("OPENAI_API_KEY", CANARY, "ANTHROPIC_API_KEY", CANARY));
    }

    Calls(Path dir, Map<String, String> env) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        caller = new HttpModelCaller(http, SecretResolver.ofMap(env, dir.resolve("secrets.yaml")),
                new RateLimiter(clock, sleeper), clock, sleeper, () -> 0.5);
    }

    static ModelTarget openai(String baseUrl, String model, int attempts) {
        return new ModelTarget("openai", model, baseUrl, "secret:OPENAI_API_KEY", "{\"temperature\":0}", attempts,
                Duration.ofSeconds(5), 0, 0);
    }

    static ModelTarget anthropic(String baseUrl, String model, int attempts) {
        return new ModelTarget("anthropic", model, baseUrl, "secret:ANTHROPIC_API_KEY", "{}", attempts,
                Duration.ofSeconds(5), 0, 0);
    }

    static ModelTarget withTimeout(ModelTarget t, Duration timeout) {
        return new ModelTarget(t.provider(), t.model(), t.baseUrl(), t.apiKey(), t.parametersJson(), t.maxAttempts(),
                timeout, t.requestsPerMinute(), t.tokensPerMinute());
    }

    static ModelTarget withRate(ModelTarget t, int rpm, long tpm) {
        return new ModelTarget(t.provider(), t.model(), t.baseUrl(), t.apiKey(), t.parametersJson(), t.maxAttempts(),
                t.timeout(), rpm, tpm);
    }

    static final List<OfferedTool> TOOLS = List.of(new OfferedTool("lookup_order", "Look up an order", LOOKUP_SCHEMA));

    static List<ChatMessage> firstTurn() {
        return List.of(ChatMessage.system("You are a support agent."), ChatMessage.user("Where is order A-1001?"));
    }

    /** system, user, assistant asking for a tool, the tool's result. */
    static List<ChatMessage> afterToolCall(String callId) {
        return List.of(ChatMessage.system("You are a support agent."), ChatMessage.user("Where is order A-1001?"),
                ChatMessage.assistant("", List.of(new ToolCall(callId, "lookup_order", "{\"order_id\":\"A-1001\"}"))),
                ChatMessage.toolResult(callId, "lookup_order", "{\"status\":\"shipped\"}"));
    }

    static ModelRequest request(List<ChatMessage> messages, ModelTarget... chain) {
        return new ModelRequest(chain[0].provider(), chain[0].model(), chain[0].parametersJson(), "[]", messages, TOOLS,
                "support-refund", List.of(chain));
    }

    /** Makes a call and waits for its answer (the test's thread waits; the caller holds none). */
    ModelReply call(ModelRequest request) throws ModelCallException {
        try {
            return start(request).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ModelCallException m) {
                throw m;
            }
            throw new AssertionError("the call failed unexpectedly", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("no answer", e);
        }
    }

    /** Starts a call. */
    CompletableFuture<ModelReply> start(ModelRequest request) {
        ModelProvider p = caller.providers().stream().filter(x -> x.name().equals(request.provider())).findFirst()
                .orElseThrow();
        return p.call(request);
    }

    static String openAiText(String model, String text) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1763730000,\"model\":\"" + model + "\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},"
                + "\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":5,\"total_tokens\":25}}";
    }

    static String anthropicText(String model, String text) {
        return "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model + "\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}],\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":20,\"output_tokens\":5}}";
    }
}
