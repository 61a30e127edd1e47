package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The openai provider against a local server speaking Chat Completions. */
class OpenAiProviderTest {
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
        target = Calls.openai(server.url() + "/v1", "gpt-4o-mini", 3);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void plainAnswerSendsTheDocumentedRequestAndReadsTheAnswer() throws Exception {
        server.reply(200, Calls.openAiText("gpt-4o-mini-2024-07-18", "It shipped yesterday."));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.message().content()).isEqualTo("It shipped yesterday.");
        assertThat(reply.message().toolCalls()).isEmpty();
        assertThat(reply.finishReason()).isEqualTo("stop");
        assertThat(reply.model()).isEqualTo("gpt-4o-mini");
        assertThat(reply.provider()).isEqualTo("openai");
        assertThat(reply.attempts()).containsExactly(new ModelAttempt(1, "gpt-4o-mini", 200, "", 0,
                reply.attempts().get(0).latencyMs()));

        FakeProviderServer.Received r = server.received().get(0);
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.header("Authorization")).isEqualTo("Bearer " + Calls.CANARY);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = r.body();
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(body.path("temperature").asInt(-1)).isZero();
        assertThat(body.path("messages")).hasSize(2);
        assertThat(body.path("messages").get(0)).isEqualTo(JSON.readTree(
                "{\"role\":\"system\",\"content\":\"You are a support agent.\"}"));
        assertThat(body.path("messages").get(1)).isEqualTo(JSON.readTree(
                "{\"role\":\"user\",\"content\":\"Where is order A-1001?\"}"));
    }

    @Test
    void toolsAreOfferedAsFunctionsWithTheirSchemasAndToolCallsAreRead() throws Exception {
        server.reply(200, """
                {"id":"chatcmpl-2","object":"chat.completion","created":1763730000,"model":"gpt-4o-mini",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
                   {"id":"call_Ab12","type":"function","function":{"name":"lookup_order","arguments":"{\\"order_id\\":\\"A-1001\\"}"}},
                   {"id":"call_Cd34","type":"function","function":{"name":"lookup_order","arguments":"{\\"order_id\\":\\"A-1002\\"}"}}]},
                   "finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":80,"completion_tokens":30,"total_tokens":110}}
                """);

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.finishReason()).isEqualTo("tool_calls");
        assertThat(reply.message().content()).isEmpty();
        assertThat(reply.message().toolCalls()).containsExactly(
                new ToolCall("call_Ab12", "lookup_order", "{\"order_id\":\"A-1001\"}"),
                new ToolCall("call_Cd34", "lookup_order", "{\"order_id\":\"A-1002\"}"));
        JsonNode tools = server.received().get(0).body().path("tools");
        assertThat(tools).hasSize(1);
        assertThat(tools.get(0).path("type").asText()).isEqualTo("function");
        assertThat(tools.get(0).path("function").path("name").asText()).isEqualTo("lookup_order");
        assertThat(tools.get(0).path("function").path("description").asText()).isEqualTo("Look up an order");
        assertThat(tools.get(0).path("function").path("parameters")).isEqualTo(JSON.readTree(Calls.LOOKUP_SCHEMA));
    }

    @Test
    void multiTurnSendsTheAssistantToolCallsThenToolMessagesLinkedByToolCallId() throws Exception {
        server.reply(200, Calls.openAiText("gpt-4o-mini", "Order A-1001 has shipped."));

        ModelReply reply = calls.call(Calls.request(Calls.afterToolCall("call_Ab12"), target));

        assertThat(reply.message().content()).isEqualTo("Order A-1001 has shipped.");
        JsonNode messages = server.received().get(0).body().path("messages");
        assertThat(messages).hasSize(4);
        assertThat(messages.findValuesAsText("role")).containsExactly("system", "user", "assistant", "tool");
        JsonNode assistant = messages.get(2);
        assertThat(assistant.get("content").isNull()).isTrue();
        assertThat(assistant.path("tool_calls")).hasSize(1);
        assertThat(assistant.path("tool_calls").get(0)).isEqualTo(JSON.readTree(
                "{\"id\":\"call_Ab12\",\"type\":\"function\",\"function\":{\"name\":\"lookup_order\","
                        + "\"arguments\":\"{\\\"order_id\\\":\\\"A-1001\\\"}\"}}"));
        assertThat(messages.get(3)).isEqualTo(JSON.readTree(
                "{\"role\":\"tool\",\"tool_call_id\":\"call_Ab12\",\"content\":\"{\\\"status\\\":\\\"shipped\\\"}\"}"));
    }

    @Test
    void usageSplitsCachedPromptTokensAndReportsReasoningTokens() throws Exception {
        server.reply(200, """
                {"id":"chatcmpl-3","object":"chat.completion","created":1763730000,"model":"o4-mini",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                          "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
                          "completion_tokens_details":{"reasoning_tokens":256,"audio_tokens":0,
                            "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}
                """);

        Usage usage = calls.call(Calls.request(Calls.firstTurn(), target)).usage();

        assertThat(usage.inputTokens()).isEqualTo(176);
        assertThat(usage.cachedInputTokens()).isEqualTo(1024);
        assertThat(usage.outputTokens()).isEqualTo(300);
        assertThat(usage.reasoningTokens()).isEqualTo(256);
        assertThat(usage.totalTokens()).isEqualTo(1500);
        assertThat(usage.priced()).isFalse();
    }

    @Test
    void aServerThatReportsNoUsageGetsAnEstimate() throws Exception {
        server.reply(200, """
                {"id":"x","object":"chat.completion","model":"llama3.1",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"12345678"},"finish_reason":"stop"}]}
                """);

        Usage usage = calls.call(Calls.request(Calls.firstTurn(), target)).usage();

        assertThat(usage.inputTokens()).isPositive();
        assertThat(usage.outputTokens()).isEqualTo(2);
    }

    @Test
    void invalidKeyFailsAtOnceWithAClearMessageAndNoRetry() {
        server.reply(401, """
                {"error":{"message":"Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.",
                 "type":"invalid_request_error","param":null,"code":"invalid_api_key"}}
                """.formatted(Calls.CANARY));

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), target)))
                .isInstanceOf(ModelCallException.class)
                .hasMessageStartingWith("provider openai rejected the API key secret:OPENAI_API_KEY (401)")
                .hasMessageNotContaining(Calls.CANARY)
                .hasMessageContaining(Redactor.MASK);
        assertThat(server.received()).hasSize(1);
        assertThat(calls.sleeper.waits).isEmpty();
    }

    @Test
    void contextLengthIsNotRetriedAndSaysWhatIsWrong() {
        server.reply(400, """
                {"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
                 "type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}
                """);

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), target)))
                .hasMessageStartingWith("the conversation is too long for model gpt-4o-mini of provider openai "
                        + "(context length exceeded, 400)");
        assertThat(server.received()).hasSize(1);
    }

    @Test
    void aBadRequestIsNotRetried() {
        server.reply(400, "{\"error\":{\"message\":\"Unrecognized request argument supplied: temprature\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), target)))
                .hasMessage("provider openai rejected the request to model gpt-4o-mini (400): "
                        + "Unrecognized request argument supplied: temprature");
        assertThat(server.received()).hasSize(1);
    }

    @Test
    void aKeylessTargetSendsNoAuthorization() throws Exception {
        server.reply(200, Calls.openAiText("llama3.1", "hi"));
        ModelTarget ollama = new ModelTarget("openai", "llama3.1", server.url() + "/v1/", "none", "{}", 1,
                java.time.Duration.ofSeconds(5), 0, 0);

        calls.call(Calls.request(Calls.firstTurn(), ollama));

        assertThat(server.received().get(0).header("Authorization")).isNull();
        assertThat(server.received().get(0).path()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void generatedCallIdsWhenAServerSendsNone() throws Exception {
        server.reply(200, """
                {"model":"llama3.1","choices":[{"index":0,"message":{"role":"assistant","content":"",
                  "tool_calls":[{"type":"function","function":{"name":"lookup_order","arguments":{"order_id":"A-1"}}}]},
                  "finish_reason":"tool_calls"}]}
                """);

        ModelReply reply = calls.call(Calls.request(Calls.afterToolCall("call_x"), target));

        assertThat(reply.message().toolCalls()).containsExactly(new ToolCall("call_2_1", "lookup_order", "{\"order_id\":\"A-1\"}"));
        assertThat(List.of(reply.finishReason())).containsExactly("tool_calls");
    }
}
