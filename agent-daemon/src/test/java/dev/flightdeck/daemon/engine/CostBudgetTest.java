package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Budgets checked before each model call, through the API: the per-tenant daily budget (exactly
 * at the cap is allowed, one micro-dollar more is refused), unpriced models under a cap, and the
 * worst case of a fallback chain.
 */
class CostBudgetTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** scripted/test-1 at $10 per million input tokens and $30 per million output tokens. */
    private static final String PRICES = """
            prices:
              - {provider: scripted, model: test-1, input_per_million_usd: 10, output_per_million_usd: 30}
            """;
    /** Each call: 100 * $10/M + 10 * $30/M = 1300 micro-dollars. */
    private static final String SCRIPT = """
                - tool_calls: [{tool: lookup_order, arguments: {order_id: "A-1"}}]
                  usage: {input_tokens: 100, output_tokens: 10}
                - text: "done"
                  usage: {input_tokens: 100, output_tokens: 10}
            """;
    private static final Instant MORNING = Instant.parse("2026-11-21T09:00:00Z");

    @TempDir
    Path dir;
    @TempDir
    Path otherDir;
    private InProcessDaemon daemon;
    private final MutableClock clock = new MutableClock(MORNING);
    private final ConfiguredDaemon daemons = new ConfiguredDaemon(clock, s -> s);

    @AfterEach
    void stop() {
        daemons.close();
    }

    private void start(Path dataDir, String daemonYaml) {
        daemon = daemons.start(dataDir, daemonYaml);
    }

    private void pushScripted() {
        daemon.client().pushBundle("""
                name: budgeted
                system_prompt: You are a test agent.
                tools:
                  - name: lookup_order
                    description: Look up an order
                    implementation: builtin:lookup_order
                    parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}
                model:
                  provider: scripted
                  model: test-1
                  parameters: {max_tokens: 10}
                  script:
                """ + SCRIPT + "limits:\n  max_steps: 5\n");
    }

    private record Finished(RunInfo run, List<RunEventInfo> events) {
        long count(String type) {
            return events.stream().filter(e -> e.type().equals(type)).count();
        }

        JsonNode guardrail() {
            return ConfiguredDaemon.guardrail(events);
        }
    }

    private Finished run(String bundle, String tenant) {
        String runId = daemon.client().startRun(bundle, "go", tenant, "").run().runId();
        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);
        return new Finished(daemon.client().getRun(runId), events);
    }

    /** The worst case of the first call of the scripted bundle, in micro-dollars, as the engine reports it. */
    private long firstCallWorstCase() {
        start(otherDir, PRICES + "tenants:\n  probe: {daily_budget_usd: 0.000001}\n");
        pushScripted();
        Finished probe = run("budgeted", "probe");
        assertThat(probe.count("model_requested")).isZero();
        Matcher m = Pattern.compile("^\\$([0-9.]+) \\(\\$0\\.00 spent today \\+ \\$0\\.00 reserved by calls in flight "
                        + "\\+ \\$([0-9.]+) worst case of the next call\\)$")
                .matcher(probe.guardrail().path("observed").asText());
        assertThat(m.matches()).as(probe.guardrail().path("observed").asText()).isTrue();
        return new BigDecimal(m.group(2)).movePointRight(6).longValueExact();
    }

    private static String usd(long micros) {
        return BigDecimal.valueOf(micros, 6).toPlainString();
    }

    @Test
    void aTenantsDailyBudgetAllowsACallThatReachesItExactlyAndRefusesOneMicroDollarMore() {
        long worst = firstCallWorstCase();
        start(dir, PRICES + "tenants:\n"
                + "  exact: {daily_budget_usd: " + usd(worst) + "}\n"
                + "  over: {daily_budget_usd: " + usd(worst - 1) + "}\n");
        pushScripted();

        Finished over = run("budgeted", "over");
        assertThat(over.run().state()).isEqualTo(RunState.FAILED);
        assertThat(over.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(over.count("model_requested")).isZero();
        JsonNode g = over.guardrail();
        assertThat(g.path("guardrail").asText()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(g.path("limit").asText()).isEqualTo("tenant over daily budget $" + usd(worst - 1).replaceAll("0+$", ""));
        assertThat(over.run().statusMessage()).startsWith("stopped before model call 1: tenant \"over\" has spent $0.00 "
                + "today (UTC 2026-11-21) and its calls in flight may cost $0.00; this call could cost $").endsWith("(tenants.over.daily_budget_usd)");

        // At exactly the cap the first call is made (1300 micro-dollars); the second could not fit any more.
        Finished exact = run("budgeted", "exact");
        assertThat(exact.count("model_responded")).isEqualTo(1);
        assertThat(exact.run().usage().costMicros()).isEqualTo(1300);
        assertThat(exact.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(exact.guardrail().path("observed").asText()).contains("$0.0013 spent today");
        assertThat(exact.run().statusMessage()).contains("tenant \"exact\" has spent $0.0013 today (UTC 2026-11-21)");

        // Today's spend counts every run of the tenant: a new run is refused at once...
        Finished again = run("budgeted", "exact");
        assertThat(again.count("model_requested")).isZero();
        assertThat(again.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");

        // ...until the next UTC day.
        clock.advance(Duration.ofHours(15));
        Finished tomorrow = run("budgeted", "exact");
        assertThat(tomorrow.count("model_responded")).isEqualTo(1);
        assertThat(tomorrow.run().statusMessage()).contains("has spent $0.0013 today (UTC 2026-11-22)");
    }

    @Test
    void tenantsWithoutABudgetAreNotLimited() {
        start(dir, PRICES + "tenants:\n  acme: {daily_budget_usd: 0}\n");
        pushScripted();

        Finished free = run("budgeted", "someone-else");
        assertThat(free.run().state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(free.run().usage().costMicros()).isEqualTo(2600);
        assertThat(run("budgeted", "acme").run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
    }

    private void pushHttp(String name, String model, String fallbacks, String limits) {
        daemon.client().pushBundle("name: " + name + "\n"
                + "system_prompt: You are a test agent.\n"
                + "model:\n"
                + "  provider: openai\n"
                + "  model: " + model + "\n"
                + "  base_url: http://127.0.0.1:9/v1\n"
                + "  api_key: none\n"
                + "  parameters: {max_tokens: 100}\n"
                + fallbacks
                + "limits:\n" + limits);
    }

    @Test
    void anUnpricedModelUnderACostCapEndsTheRunBudgetExceededSayingItIsUnpriced() {
        start(dir, "tenants:\n  acme: {daily_budget_usd: 100}\n");
        pushHttp("unpriced-cap", "no-such-model", "", "  max_cost_usd: 1\n");
        pushHttp("unpriced-tenant", "no-such-model", "", "  max_steps: 3\n");

        Finished capped = run("unpriced-cap", "someone");
        assertThat(capped.run().state()).isEqualTo(RunState.FAILED);
        assertThat(capped.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(capped.count("model_requested")).isZero();
        assertThat(capped.guardrail().path("observed").asText()).isEqualTo("unpriced");
        assertThat(capped.run().statusMessage()).isEqualTo("stopped before model call 1: model openai/no-such-model "
                + "is unpriced (no entry in the pricing catalog, pricing.yaml or the daemon.yaml price table), so its "
                + "cost cannot be kept within max_cost_usd = $1.00");

        Finished tenant = run("unpriced-tenant", "acme");
        assertThat(tenant.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(tenant.run().statusMessage()).isEqualTo("stopped before model call 1: model openai/no-such-model "
                + "is unpriced, so its cost cannot be kept within the daily budget of tenant \"acme\" "
                + "(tenants.acme.daily_budget_usd = $100.00)");
    }

    @Test
    void theWorstCaseBeforeACallIsThatOfTheDearestModelOfTheFallbackChain() {
        start(dir, "");
        // gpt-4o-mini ($0.15 / $0.60 per M) would fit in $0.0005; its fallback gpt-4o ($2.50 / $10 per M) could not.
        String fallback = "  fallbacks:\n    - {provider: openai, model: gpt-4o, parameters: {max_tokens: 100}}\n";
        pushHttp("chain", "gpt-4o-mini", fallback, "  max_cost_usd: 0.0005\n");

        Finished chain = run("chain", "acme");

        assertThat(chain.run().terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(chain.count("model_requested")).isZero();
        Matcher m = Pattern.compile("it could cost \\$([0-9.]+) \\(([0-9]+) tokens \\(about ([0-9]+) input \\+ 100 max "
                + "output\\)\\)").matcher(chain.run().statusMessage());
        assertThat(m.find()).as(chain.run().statusMessage()).isTrue();
        long input = Long.parseLong(m.group(3));
        // gpt-4o: input tokens at $2.50 per M and 100 output tokens at $10 per M, rounded half-up
        long expected = BigDecimal.valueOf(input * 2_500_000L + 100 * 10_000_000L)
                .divide(BigDecimal.valueOf(1_000_000), 0, RoundingMode.HALF_UP).longValueExact();
        assertThat(new BigDecimal(m.group(1)).movePointRight(6).longValueExact()).isEqualTo(expected);
    }
}
