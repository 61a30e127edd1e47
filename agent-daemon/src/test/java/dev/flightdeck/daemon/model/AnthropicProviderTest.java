package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The anthropic provider against a local server speaking the Messages API. */
class AnthropicProviderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private FakeProviderServer server;
    private Calls calls;
    private ModelTarget target;

    @BeforeEach
    void start() throws Exception {
        server = new FakeProviderServer();
        calls = new Calls(dir);
        target = Calls.anthropic(server.url(), "claude-sonnet-4-5", 3);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void plainAnswerWithTheSystemPromptOnTopAndTheDocumentedHeaders() throws Exception {
        server.reply(200, Calls.anthropicText("claude-sonnet-4-5-20250929", "It shipped yesterday."));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.message().content()).isEqualTo("It shipped yesterday.");
        assertThat(reply.finishReason()).isEqualTo("end_turn");
        assertThat(reply.model()).isEqualTo("claude-sonnet-4-5");
        assertThat(reply.provider()).isEqualTo("anthropic");
        FakeProviderServer.Received r = server.received().get(0);
        assertThat(r.path()).isEqualTo("/v1/messages");
        assertThat(r.header("x-api-key")).isEqualTo(Calls.CANARY);
        assertThat(r.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(r.header("Authorization")).isNull();
        assertThat(r.header("content-type")).isEqualTo("application/json");
        JsonNode body = r.body();
        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(4096);
        assertThat(body.path("system").asText()).isEqualTo("You are a support agent.");
        assertThat(body.path("messages")).isEqualTo(JSON.readTree(
                "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Where is order A-1001?\"}]}]"));
        assertThat(body.path("tools")).isEqualTo(JSON.readTree(
                "[{\"name\":\"lookup_order\",\"description\":\"Look up an order\",\"input_schema\":" + Calls.LOOKUP_SCHEMA + "}]"));
    }

    @Test
    void maxTokensAndOtherParametersComeFromTheBundle() throws Exception {
        server.reply(200, Calls.anthropicText("claude-haiku-4-5", "ok"));
        ModelTarget t = new ModelTarget("anthropic", "claude-haiku-4-5", server.url(), "secret:ANTHROPIC_API_KEY",
                "{\"max_tokens\":512,\"temperature\":0.2}", 1, Duration.ofSeconds(5), 0, 0);

        calls.call(Calls.request(Calls.firstTurn(), t));

        JsonNode body = server.received().get(0).body();
        assertThat(body.path("max_tokens").asInt()).isEqualTo(512);
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.2);
    }

    @Test
    void toolUseBlocksBecomeToolCalls() throws Exception {
        server.reply(200, """
                {"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"text","text":"Let me look that up."},
                            {"type":"tool_use","id":"toolu_01A","name":"lookup_order","input":{"order_id":"A-1001"}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":400,"output_tokens":60}}
                """);

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.finishReason()).isEqualTo("tool_use");
        assertThat(reply.message().content()).isEqualTo("Let me look that up.");
        assertThat(reply.message().toolCalls())
                .containsExactly(new ToolCall("toolu_01A", "lookup_order", "{\"order_id\":\"A-1001\"}"));
    }

    @Test
    void multiTurnSendsToolUseThenToolResultInTheNextUserTurn() throws Exception {
        server.reply(200, Calls.anthropicText("claude-sonnet-4-5", "Order A-1001 has shipped."));
        List<ChatMessage> conversation = List.of(ChatMessage.system("You are a support agent."),
                ChatMessage.user("Where are A-1001 and A-1002?"),
                ChatMessage.assistant("Looking.", List.of(
                        new ToolCall("toolu_1", "lookup_order", "{\"order_id\":\"A-1001\"}"),
                        new ToolCall("toolu_2", "lookup_order", "{\"order_id\":\"A-1002\"}"))),
                ChatMessage.toolResult("toolu_1", "lookup_order", "{\"status\":\"shipped\"}"),
                ChatMessage.toolResult("toolu_2", "lookup_order", "{\"status\":\"packing\"}"));

        calls.call(Calls.request(conversation, target));

        JsonNode messages = server.received().get(0).body().path("messages");
        assertThat(messages).isEqualTo(JSON.readTree("""
                [{"role":"user","content":[{"type":"text","text":"Where are A-1001 and A-1002?"}]},
                 {"role":"assistant","content":[{"type":"text","text":"Looking."},
                   {"type":"tool_use","id":"toolu_1","name":"lookup_order","input":{"order_id":"A-1001"}},
                   {"type":"tool_use","id":"toolu_2","name":"lookup_order","input":{"order_id":"A-1002"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_1","content":"{\\"status\\":\\"shipped\\"}"},
                   {"type":"tool_result","tool_use_id":"toolu_2","content":"{\\"status\\":\\"packing\\"}"}]}]
                """));
    }

    @Test
    void usageCountsCacheWritesAsCacheWriteTokensAndCacheReadsAsCachedInput() throws Exception {
        server.reply(200, """
                {"id":"msg_03","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":50,"cache_creation_input_tokens":2000,"cache_read_input_tokens":8000,
                          "output_tokens":120}}
                """);

        Usage usage = calls.call(Calls.request(Calls.firstTurn(), target)).usage();

        assertThat(usage.inputTokens()).isEqualTo(50);
        assertThat(usage.cacheWriteTokens()).isEqualTo(2000);
        assertThat(usage.cachedInputTokens()).isEqualTo(8000);
        assertThat(usage.outputTokens()).isEqualTo(120);
        assertThat(usage.totalTokens()).isEqualTo(10_170);
    }

    @Test
    void overloaded529IsRetriedHonouringRetryAfter() throws Exception {
        server.reply(529, Map.of("retry-after", "3"),
                        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")
                .reply(200, Calls.anthropicText("claude-sonnet-4-5", "ok"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(calls.sleeper.waits).containsExactly(3000L);
        assertThat(reply.attempts()).extracting(ModelAttempt::statusCode).containsExactly(529, 200);
        assertThat(reply.attempts().get(0).error()).isEqualTo("HTTP 529: Overloaded");
    }

    @Test
    void rateLimitErrorThenSuccess() throws Exception {
        server.reply(429, Map.of("retry-after", "1"),
                        "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}")
                .reply(200, Calls.anthropicText("claude-sonnet-4-5", "ok"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.attempts().get(1).waitMs()).isEqualTo(1000);
    }

    @Test
    void invalidKeyIsAClearNonRetryableFailure() {
        server.reply(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}");

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), target)))
                .hasMessage("provider anthropic rejected the API key secret:ANTHROPIC_API_KEY (401): invalid x-api-key");
        assertThat(server.received()).hasSize(1);
    }

    @Test
    void promptTooLongIsAContextLengthFailure() {
        server.reply(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}");

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), target)))
                .hasMessage("the conversation is too long for model claude-sonnet-4-5 of provider anthropic (context "
                        + "length exceeded, 400): prompt is too long: 210000 tokens > 200000 maximum");
    }

    @Test
    void malformedContentIsRetried() throws Exception {
        server.reply(200, "{\"type\":\"message\",\"content\":\"not blocks\"}")
                .reply(200, Calls.anthropicText("claude-sonnet-4-5", "ok"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.attempts().get(0).error()).isEqualTo("malformed answer: the answer has no content array");
        assertThat(reply.message().content()).isEqualTo("ok");
    }
}
