package dev.flightdeck.daemon.engine;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bundle pointed at a local OpenAI-compatible server runs through the real daemon wiring and
 * agent loop to SUCCEEDED with a tool call, a retried 500, and its key only in the auth header.
 */
class HttpProviderRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CANARY = "sk-engine-canary-0d1e2f3a4b5c6d7e";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private HttpServer server;
    private final ConcurrentLinkedQueue<String[]> replies = new ConcurrentLinkedQueue<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> authHeaders = new CopyOnWriteArrayList<>();
    private InProcessDaemon daemon;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            requests.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            authHeaders.add(exchange.getRequestHeaders().getFirst("Authorization"));
            String[] reply = replies.poll();
            byte[] body = reply[1].getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(Integer.parseInt(reply[0]), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        logs.start();
        root.addAppender(logs);
        Path secrets = dir.resolve("secrets.yaml");
        Files.writeString(secrets, "FLIGHTDECK_TEST_LOCAL_KEY: " + CANARY + "\n");
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-------"));
        daemon = new InProcessDaemon(dir);
    }

    @AfterEach
    void stop() {
        root.detachAppender(logs);
        if (daemon != null) {
            daemon.close();
        }
        server.stop(0);
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String bundle() {
        return """
                name: local-support
                system_prompt: You answer questions about orders.
                tools:
                  - name: lookup_order
                    description: Look up an order by id
                    implementation: builtin:lookup_order
                    policy: allow
                    idempotent: true
                    parameters:
                      type: object
                      properties:
                        order_id: {type: string}
                      required: [order_id]
                model:
                  provider: openai
                  model: qwen2.5:7b
                  base_url: http://127.0.0.1:%d/v1
                  api_key: secret:FLIGHTDECK_TEST_LOCAL_KEY
                  max_attempts: 2
                  timeout_seconds: 20
                  parameters: {temperature: 0}
                """.formatted(server.getAddress().getPort());
    }

    @Test
    void aBundleOnALocalOpenAiCompatibleServerRunsToSucceededWithToolCalls() {
        replies.add(new String[]{"200", """
                {"id":"c1","object":"chat.completion","model":"qwen2.5:7b","choices":[{"index":0,
                 "message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_q1","type":"function",
                 "function":{"name":"lookup_order","arguments":"{\\"order_id\\":\\"A-1001\\"}"}}]},
                 "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":120,"completion_tokens":18,"total_tokens":138}}
                """});
        replies.add(new String[]{"500", "{\"error\":{\"message\":\"upstream failed for key " + CANARY + "\"}}"});
        replies.add(new String[]{"200", """
                {"id":"c2","object":"chat.completion","model":"qwen2.5:7b","choices":[{"index":0,
                 "message":{"role":"assistant","content":"Order A-1001 is eligible for a refund."},
                 "finish_reason":"stop"}],"usage":{"prompt_tokens":200,"completion_tokens":12,"total_tokens":212,
                 "prompt_tokens_details":{"cached_tokens":100}}}
                """});
        DaemonClient client = daemon.client();
        client.pushBundle(bundle());

        String runId = client.startRun("local-support", "Can I get a refund for A-1001?", "", "").run().runId();
        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);
        RunInfo run = client.getRun(runId);

        assertThat(run.state()).as(run.statusMessage()).isEqualTo(RunState.SUCCEEDED);
        assertThat(run.output()).isEqualTo("Order A-1001 is eligible for a refund.");
        assertThat(events.stream().map(RunEventInfo::type).toList()).containsExactly("run_started",
                "model_requested", "model_responded", "tool_call_proposed", "tool_call_started", "tool_call_finished",
                "model_requested", "model_responded", "run_finished");
        assertThat(HashChain.verify(events)).isEmpty();

        // the requests: tools offered, then the tool result linked to the call id
        assertThat(requests).hasSize(3);
        assertThat(requests.get(0).path("tools").get(0).path("function").path("name").asText()).isEqualTo("lookup_order");
        JsonNode second = requests.get(2).path("messages");
        assertThat(second.findValuesAsText("role")).containsExactly("system", "user", "assistant", "tool");
        assertThat(second.get(2).path("tool_calls").get(0).path("id").asText()).isEqualTo("call_q1");
        assertThat(second.get(3).path("tool_call_id").asText()).isEqualTo("call_q1");
        assertThat(authHeaders).containsOnly("Bearer " + CANARY);

        // the second model_responded records the retried attempt and the model that answered
        RunEventInfo responded = events.stream().filter(e -> e.type().equals("model_responded")).skip(1).findFirst().orElseThrow();
        JsonNode payload = readTree(responded.canonicalJson()).path("payload");
        assertThat(payload.path("provider").asText()).isEqualTo("openai");
        assertThat(payload.path("model").asText()).isEqualTo("qwen2.5:7b");
        assertThat(payload.path("attempts")).hasSize(2);
        assertThat(payload.path("attempts").get(0).path("status_code").asInt()).isEqualTo(500);
        assertThat(payload.path("attempts").get(0).path("error").asText()).contains("[REDACTED]");
        assertThat(payload.path("attempts").get(1).path("status_code").asInt()).isEqualTo(200);
        assertThat(payload.path("usage").path("cached_input_tokens").asLong()).isEqualTo(100);

        // invariant 4: the key is in no event (stream or history), no log line
        assertThat(events).allSatisfy(e -> {
            assertThat(e.canonicalJson()).doesNotContain(CANARY);
            assertThat(e.detailsJson()).doesNotContain(CANARY);
            assertThat(e.summary()).doesNotContain(CANARY);
        });
        assertThat(client.getRunHistory(runId, 0, 100)).allSatisfy(e ->
                assertThat(e.canonicalJson()).doesNotContain(CANARY));
        assertThat(logs.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(CANARY));
    }

    @Test
    void aMissingKeyFailsTheRunNamingBundleProviderAndHandle() {
        DaemonClient client = daemon.client();
        client.pushBundle(bundle().replace("secret:FLIGHTDECK_TEST_LOCAL_KEY", "secret:FLIGHTDECK_TEST_MISSING_KEY"));

        String runId = client.startRun("local-support", "hi", "", "").run().runId();
        daemon.watchToEnd(runId, 0, TIMEOUT);
        RunInfo run = client.getRun(runId);

        assertThat(run.state()).isEqualTo(RunState.FAILED);
        assertThat(run.statusMessage()).startsWith("model call failed: bundle local-support: provider openai needs the "
                + "API key secret:FLIGHTDECK_TEST_MISSING_KEY, which is not set");
        assertThat(requests).isEmpty();
    }

    @Test
    void anInvalidKeyFailsTheRunWithAClearMessage() {
        replies.add(new String[]{"401", "{\"error\":{\"message\":\"Incorrect API key provided: " + CANARY + "\","
                + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"});
        DaemonClient client = daemon.client();
        client.pushBundle(bundle());

        String runId = client.startRun("local-support", "hi", "", "").run().runId();
        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);
        RunInfo run = client.getRun(runId);

        assertThat(run.state()).isEqualTo(RunState.FAILED);
        assertThat(run.statusMessage()).isEqualTo("model call failed: provider openai rejected the API key "
                + "secret:FLIGHTDECK_TEST_LOCAL_KEY (401): Incorrect API key provided: [REDACTED]");
        assertThat(events).allSatisfy(e -> assertThat(e.canonicalJson()).doesNotContain(CANARY));
        assertThat(requests).hasSize(1);
    }
}
