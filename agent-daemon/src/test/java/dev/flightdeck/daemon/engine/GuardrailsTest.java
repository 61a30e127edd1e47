package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.app.DaemonConfig;
import dev.flightdeck.daemon.app.DaemonSettings;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every guardrail of invariant 3, tripped exactly at its limit, observed through the API. */
class GuardrailsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** scripted/test-1 at $10 per million input tokens and $30 per million output tokens. */
    private static final String PRICES = """
            prices:
              - {provider: scripted, model: test-1, input_per_million_usd: 10, cached_input_per_million_usd: 5, output_per_million_usd: 30}
            """;

    @TempDir
    Path dir;
    private InProcessDaemon daemon;
    private int bundles;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private DaemonClient start() {
        DaemonSettings settings = DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test")
                .withConfig(DaemonConfig.parse(PRICES, "daemon.yaml"));
        daemon = new InProcessDaemon(settings);
        return daemon.client();
    }

    /** Pushes a bundle with tools lookup_order and wait, the given model parameters, script and limits. */
    private String push(String parameters, String script, String limits) {
        String name = "guard-" + (++bundles);
        daemon.client().pushBundle("name: " + name + "\n"
                + "system_prompt: You are a test agent.\n"
                + "tools:\n"
                + "  - name: lookup_order\n"
                + "    description: Look up an order\n"
                + "    implementation: builtin:lookup_order\n"
                + "    parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}\n"
                + "  - name: wait\n"
                + "    description: Wait a while\n"
                + "    implementation: builtin:wait\n"
                + "    timeout_seconds: 1\n"
                + "    parameters: {type: object, properties: {ms: {type: integer}}, required: [ms]}\n"
                + "model:\n"
                + "  provider: scripted\n"
                + "  model: test-1\n"
                + "  parameters: " + parameters + "\n"
                + "  script:\n" + script
                + "limits:\n" + limits);
        return name;
    }

    private static String lookup(String orderId, String usage) {
        return "    - tool_calls: [{tool: lookup_order, arguments: {order_id: \"" + orderId + "\"}}]\n"
                + "      usage: " + usage + "\n";
    }

    private static String text(String text) {
        return "    - text: \"" + text + "\"\n";
    }

    private record Finished(RunInfo run, List<RunEventInfo> events) {
        List<RunEventInfo> ofType(String type) {
            return events.stream().filter(e -> e.type().equals(type)).toList();
        }

        JsonNode guardrail() {
            List<RunEventInfo> g = ofType("guardrail_tripped");
            assertThat(g).hasSize(1);
            return payload(g.get(0));
        }
    }

    private Finished run(String bundle) {
        String runId = daemon.client().startRun(bundle, "go", "", "").run().runId();
        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);
        assertThat(HashChain.verify(events)).isEmpty();
        return new Finished(daemon.client().getRun(runId), events);
    }

    private static JsonNode payload(RunEventInfo e) {
        try {
            return JSON.readTree(e.canonicalJson()).path("payload");
        } catch (Exception ex) {
            throw new AssertionError(ex);
        }
    }

    private static long firstNumber(String text, String unitPattern) {
        Matcher m = Pattern.compile("^\\$?([0-9.]+) " + unitPattern).matcher(text);
        assertThat(m.find()).as("a number at the start of \"%s\"", text).isTrue();
        return new BigDecimal(m.group(1)).longValueExact();
    }

    private static long usdMicros(String text) {
        Matcher m = Pattern.compile("^\\$([0-9.]+)").matcher(text);
        assertThat(m.find()).as("dollars at the start of \"%s\"", text).isTrue();
        return new BigDecimal(m.group(1)).movePointRight(6).longValueExact();
    }

    // ---------------------------------------------------------------- max_tokens

    @Test
    void maxTokensStopsBeforeTheModelCallWhoseWorstCaseWouldExceedIt_andAllowsItAtExactlyTheLimit() {
        start();
        String script = lookup("A-1", "{input_tokens: 100, output_tokens: 10}")
                + lookup("A-2", "{input_tokens: 100, output_tokens: 10}")
                + lookup("A-3", "{input_tokens: 100, output_tokens: 10}") + text("done");
        Finished tripped = run(push("{max_tokens: 50}", script, "  max_tokens: 300\n"));

        assertThat(tripped.run().state()).isEqualTo(RunState.FAILED);
        assertThat(tripped.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(tripped.ofType("model_requested")).hasSize(2);
        assertThat(tripped.run().usage().totalTokens()).isEqualTo(220).isLessThanOrEqualTo(300);
        JsonNode g = tripped.guardrail();
        assertThat(g.path("guardrail").asText()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(g.path("limit").asText()).isEqualTo("300 tokens");
        long wouldBe = firstNumber(g.path("observed").asText(), "tokens");
        assertThat(wouldBe).isGreaterThan(300);
        assertThat(g.path("observed").asText()).contains("220 spent");
        assertThat(tripped.run().statusMessage()).startsWith("stopped before model call 3: it could use ")
                .endsWith("more than max_tokens = 300");

        // With the limit at exactly what the third call could reach, the third call is made.
        Finished atLimit = run(push("{max_tokens: 50}", script, "  max_tokens: " + wouldBe + "\n"));
        assertThat(atLimit.ofType("model_requested")).hasSize(3);
        assertThat(atLimit.ofType("model_requested").size()).isGreaterThan(tripped.ofType("model_requested").size());
    }

    @Test
    void maxTokensStopsAfterAResponseThatCrossedIt_beforeRunningItsTools() {
        start();
        String script = lookup("A-1", "{input_tokens: 500, output_tokens: 10}") + text("done");
        Finished crossed = run(push("{max_tokens: 1}", script, "  max_tokens: 509\n"));

        assertThat(crossed.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(crossed.ofType("tool_call_started")).isEmpty();
        JsonNode g = crossed.guardrail();
        assertThat(g.path("limit").asText()).isEqualTo("509 tokens");
        assertThat(g.path("observed").asText()).isEqualTo("510 tokens");
        assertThat(crossed.run().statusMessage())
                .isEqualTo("stopped after model call 1: the run has used 510 tokens, more than max_tokens = 509");

        // Exactly at the limit the answer's tools run; the next call's worst case is what stops it.
        Finished exactly = run(push("{max_tokens: 1}", script, "  max_tokens: 510\n"));
        assertThat(exactly.ofType("tool_call_finished")).hasSize(1);
        assertThat(exactly.run().statusMessage()).startsWith("stopped before model call 2");
    }

    // ---------------------------------------------------------------- max_cost_usd

    @Test
    void maxCostStopsBeforeTheCallThatCouldExceedIt_soSpendingNeverPassesTheCap() {
        start();
        String usage = "{input_tokens: 100, output_tokens: 10}"; // 100 * $10/M + 10 * $30/M = 1300 micro-dollars
        String script = lookup("A-1", usage) + lookup("A-2", usage) + lookup("A-3", usage) + lookup("A-4", usage)
                + lookup("A-5", usage) + text("done");
        Finished tripped = run(push("{max_tokens: 10}", script, "  max_cost_usd: 0.005\n"));

        assertThat(tripped.run().state()).isEqualTo(RunState.FAILED);
        assertThat(tripped.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        for (RunEventInfo e : tripped.ofType("model_responded")) {
            assertThat(payload(e).path("usage").path("cost_micros").asLong()).isEqualTo(1300);
            assertThat(payload(e).path("usage").path("priced").asBoolean()).isTrue();
        }
        int calls = tripped.ofType("model_responded").size();
        assertThat(calls).isEqualTo(3);
        assertThat(tripped.run().usage().costMicros()).isEqualTo(3900).isLessThanOrEqualTo(5000);
        assertThat(tripped.run().usage().priced()).isTrue();
        JsonNode g = tripped.guardrail();
        assertThat(g.path("limit").asText()).isEqualTo("$0.005");
        long wouldBe = usdMicros(g.path("observed").asText());
        assertThat(wouldBe).isGreaterThan(5000);
        assertThat(g.path("observed").asText()).contains("$0.0039 spent");
        assertThat(tripped.run().statusMessage()).startsWith("stopped before model call 4: it could cost $")
                .endsWith("more than max_cost_usd = $0.005");

        // A cap of exactly that worst case lets the fourth call happen.
        Finished atCap = run(push("{max_tokens: 10}", script,
                "  max_cost_usd: " + BigDecimal.valueOf(wouldBe, 6).toPlainString() + "\n"));
        assertThat(atCap.ofType("model_responded")).hasSize(4);
        assertThat(atCap.run().usage().costMicros()).isLessThanOrEqualTo(wouldBe);
    }

    // ---------------------------------------------------------------- wall time

    @Test
    void wallTimeLimitTimesOutARunStuckInALongModelCall() {
        start();
        String script = "    - text: \"too slow\"\n      latency_ms: 60000\n";
        long started = System.nanoTime();
        Finished timedOut = run(push("{}", script, "  max_wall_time_seconds: 1\n"));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(timedOut.run().state()).isEqualTo(RunState.FAILED);
        assertThat(timedOut.run().terminalReason()).isEqualTo("TIMED_OUT");
        assertThat(timedOut.ofType("model_responded")).isEmpty();
        JsonNode g = timedOut.guardrail();
        assertThat(g.path("guardrail").asText()).isEqualTo("TIMED_OUT");
        assertThat(g.path("limit").asText()).isEqualTo("1 s");
        assertThat(new BigDecimal(g.path("observed").asText().replace(" s", ""))).isGreaterThanOrEqualTo(BigDecimal.ONE);
        assertThat(timedOut.run().statusMessage()).startsWith("timed out after ").endsWith("(max_wall_time_seconds = 1)");
        assertThat(took).isLessThan(Duration.ofSeconds(30));
    }

    // ---------------------------------------------------------------- tool timeout

    @Test
    void aToolThatOverrunsItsTimeoutGivesTheModelATimedOutError() {
        start();
        String script = "    - tool_calls: [{tool: wait, arguments: {ms: 60000}}]\n"
                + "    - tool_calls: [{tool: wait, arguments: {ms: 5}}]\n" + text("done");
        Finished run = run(push("{}", script, "  max_steps: 5\n"));

        assertThat(run.run().state()).isEqualTo(RunState.SUCCEEDED);
        List<RunEventInfo> results = run.ofType("tool_call_finished");
        assertThat(results).hasSize(2);
        assertThat(payload(results.get(0)).path("result_json").asText()).isEqualTo("{\"error\":\"timed out after 1 s\"}");
        assertThat(payload(results.get(0)).path("is_error").asBoolean()).isTrue();
        assertThat(payload(results.get(1)).path("result_json").asText()).isEqualTo("{\"waited_ms\":5}");
    }

    // ---------------------------------------------------------------- loops

    @Test
    void theSameToolCallWithTheSameArgumentsLoopThresholdTimesEndsTheRunAsALoop() {
        start();
        String usage = "{input_tokens: 1, output_tokens: 1}";
        String script = lookup("A-1", usage) + lookup("A-2", usage) + lookup("A-1", usage) + lookup("A-1", usage)
                + text("done");
        Finished loop = run(push("{}", script, "  loop_threshold: 3\n"));

        assertThat(loop.run().state()).isEqualTo(RunState.FAILED);
        assertThat(loop.run().terminalReason()).isEqualTo("LOOP_DETECTED");
        assertThat(loop.run().statusMessage()).isEqualTo("loop detected: the model called tool \"lookup_order\" 3 times "
                + "with the same arguments {\"order_id\":\"A-1\"} (loop_threshold = 3)");
        assertThat(loop.ofType("tool_call_started")).hasSize(3); // the third A-1 never runs
        JsonNode g = loop.guardrail();
        assertThat(g.path("limit").asText()).isEqualTo("3 identical tool calls");
        assertThat(g.path("observed").asText()).isEqualTo("3 calls of lookup_order with the same arguments");

        Finished below = run(push("{}", script, "  loop_threshold: 4\n"));
        assertThat(below.run().state()).isEqualTo(RunState.SUCCEEDED);
    }

    @Test
    void theSameAnswerLoopThresholdTimesInARowEndsTheRunAsALoop() {
        start();
        String usage = "{input_tokens: 1, output_tokens: 1}";
        String script = lookup("A-7", usage) + lookup("A-7", usage) + lookup("A-7", usage) + text("done");
        Finished loop = run(push("{}", script, "  max_steps: 10\n"));

        assertThat(loop.run().terminalReason()).isEqualTo("LOOP_DETECTED");
        assertThat(loop.run().statusMessage()).isEqualTo("loop detected: the model gave the same answer 3 times in a "
                + "row: lookup_order {\"order_id\":\"A-7\"} (loop_threshold = 3)");
        assertThat(loop.guardrail().path("observed").asText()).isEqualTo("3 identical answers in a row");
        assertThat(loop.ofType("model_requested")).hasSize(3);

        Finished off = run(push("{}", script, "  loop_threshold: 0\n"));
        assertThat(off.run().state()).isEqualTo(RunState.SUCCEEDED);
    }
}
