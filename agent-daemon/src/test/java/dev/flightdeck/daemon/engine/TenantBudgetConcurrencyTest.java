package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-tenant daily budget under concurrency: each admitted call reserves its worst case until
 * its answer is committed or it ends otherwise, so concurrent runs of one tenant cannot each spend
 * the same headroom. Real engine and H2 file; scripted calls with latency so they overlap.
 */
class TenantBudgetConcurrencyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** scripted/test-1 at $10 per million input tokens (10 micro-dollars each) and $30 per million output tokens. */
    private static final String PRICES = """
            prices:
              - {provider: scripted, model: test-1, input_per_million_usd: 10, output_per_million_usd: 30}
            """;
    private static final int MAX_OUTPUT = 10;
    private static final Pattern WORST = Pattern.compile(
            "this call could cost \\$([0-9.]+) \\([0-9]+ tokens \\(about ([0-9]+) input \\+ " + MAX_OUTPUT + " max output\\)\\)");

    @TempDir
    Path dir;
    @TempDir
    Path probeDir;
    private InProcessDaemon daemon;
    private final ConfiguredDaemon daemons = new ConfiguredDaemon(new MutableClock(Instant.parse("2026-11-21T09:00:00Z")),
            s -> s.withRunWorkers(16).withDrainTime(Duration.ofMillis(200)));

    @AfterEach
    void stop() {
        daemons.close();
    }

    private void start(Path dataDir, String daemonYaml) {
        daemon = daemons.start(dataDir, daemonYaml);
    }

    /** A one-call bundle whose answer takes {@code latencyMs} and uses {@code inputTokens} + 10 output tokens. */
    private void pushOneCall(String name, long latencyMs, long inputTokens) {
        daemon.client().pushBundle("name: " + name + "\n"
                + "system_prompt: You are a test agent.\n"
                + "model:\n"
                + "  provider: scripted\n"
                + "  model: test-1\n"
                + "  parameters: {max_tokens: " + MAX_OUTPUT + "}\n"
                + "  script:\n"
                + "    - text: \"done\"\n"
                + "      latency_ms: " + latencyMs + "\n"
                + "      usage: {input_tokens: " + Math.max(1, inputTokens) + ", output_tokens: " + MAX_OUTPUT + "}\n");
    }

    /** The worst case of the one call of the bundles above, as the engine estimates it before the call. */
    private record Worst(long micros, long inputTokens) {
    }

    private Worst probeWorstCase() {
        start(probeDir, PRICES + "tenants:\n  probe: {daily_budget_usd: 0.000001}\n");
        pushOneCall("probe", 0, 1);
        RunInfo refused = finish(start("probe", "probe"));
        Matcher m = WORST.matcher(refused.statusMessage());
        assertThat(m.find()).as(refused.statusMessage()).isTrue();
        return new Worst(new BigDecimal(m.group(1)).movePointRight(6).longValueExact(), Long.parseLong(m.group(2)));
    }

    private String start(String bundle, String tenant) {
        return daemon.client().startRun(bundle, "go", tenant, "").run().runId();
    }

    private RunInfo finish(String runId) {
        daemon.watchToEnd(runId, 0, TIMEOUT);
        return daemon.client().getRun(runId);
    }

    private List<String> types(String runId) {
        return daemon.client().getRunHistory(runId, 0, 500).stream().map(RunEventInfo::type).toList();
    }

    private JsonNode guardrail(String runId) {
        return ConfiguredDaemon.guardrail(daemon.client().getRunHistory(runId, 0, 500));
    }

    /** Tenant acme's budget fits one call of the bundles above. */
    private static String oneCallBudget(Worst worst) {
        return PRICES + "tenants:\n  acme: {daily_budget_usd: " + usd(worst.micros()) + ", max_concurrent_runs: 4}\n";
    }

    /**
     * Starts a daemon with {@code config} and bundles "slow" (its call takes 10 minutes) and "fast",
     * both of {@code worst}'s estimate; returns a run of acme whose slow call is in flight.
     */
    private String oneCallInFlight(String config, Worst worst) {
        start(dir, config);
        pushOneCall("slow", 600_000, worst.inputTokens());
        pushOneCall("fast", 0, worst.inputTokens());
        String slow = start("slow", "acme");
        Await.until("the slow run's call to be in flight", TIMEOUT, () -> types(slow).contains("model_requested"));
        return slow;
    }

    private static String usd(long micros) {
        return BigDecimal.valueOf(micros, 6).toPlainString();
    }

    @Test
    void concurrentRunsOfATenantMakeOnlyTheCallsItsBudgetFitsAndSpendExactlyUpToIt() {
        Worst worst = probeWorstCase();
        int fits = 3;
        int runs = 10;
        long budget = fits * worst.micros();
        start(dir, PRICES + "tenants:\n  acme: {daily_budget_usd: " + usd(budget) + ", max_concurrent_runs: " + runs + "}\n");
        // Each answer costs exactly its worst case, so the budget fits `fits` calls whatever their timing.
        pushOneCall("overlap", 2_000, worst.inputTokens());

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            ids.add(start("overlap", "acme"));
        }
        List<RunInfo> done = ids.stream().map(this::finish).toList();

        List<RunInfo> answered = done.stream().filter(r -> r.state() == RunState.SUCCEEDED).toList();
        List<String> refused = ids.stream().filter(id -> daemon.client().getRun(id).state() == RunState.FAILED).toList();
        assertThat(answered).hasSize(fits);
        assertThat(answered).allSatisfy(r -> assertThat(r.usage().costMicros()).isEqualTo(worst.micros()));
        assertThat(done.stream().mapToLong(r -> r.usage().costMicros()).sum()).as("the tenant's spend").isEqualTo(budget);
        assertThat(refused).hasSize(runs - fits);
        String limit = "tenant acme daily budget " + AgentLoop.usd(budget);
        boolean refusedWhileCallsWereInFlight = false;
        for (String id : refused) {
            assertThat(daemon.client().getRun(id).terminalReason()).isEqualTo("BUDGET_EXCEEDED");
            assertThat(types(id)).doesNotContain("model_requested");
            JsonNode g = guardrail(id);
            assertThat(g.path("limit").asText()).isEqualTo(limit);
            Matcher m = Pattern.compile("^\\$[0-9.]+ \\((\\$[0-9.]+) spent today \\+ (\\$[0-9.]+) reserved by calls in "
                    + "flight \\+ (\\$[0-9.]+) worst case of the next call\\)$").matcher(g.path("observed").asText());
            assertThat(m.matches()).as(g.path("observed").asText()).isTrue();
            assertThat(m.group(3)).isEqualTo(AgentLoop.usd(worst.micros()));
            // Whatever each refused run saw, the answered calls' spend and reservations made up the whole budget.
            long spent = new BigDecimal(m.group(1).substring(1)).movePointRight(6).longValueExact();
            long reserved = new BigDecimal(m.group(2).substring(1)).movePointRight(6).longValueExact();
            assertThat(spent + reserved).isEqualTo(budget);
            refusedWhileCallsWereInFlight |= reserved > 0;
            assertThat(daemon.client().getRun(id).statusMessage()).contains("tenant \"acme\" has spent " + m.group(1)
                    + " today (UTC 2026-11-21) and its calls in flight may cost " + m.group(2));
        }
        assertThat(refusedWhileCallsWereInFlight).as("some run was refused while admitted calls were in flight").isTrue();

        // The spend is also known to a daemon started afresh: read from the database, not from memory.
        start(dir, PRICES + "tenants:\n  acme: {daily_budget_usd: " + usd(budget) + "}\n");
        String afterRestart = start("overlap", "acme");
        assertThat(finish(afterRestart).terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(guardrail(afterRestart).path("observed").asText())
                .contains("(" + AgentLoop.usd(budget) + " spent today + $0.00 reserved by calls in flight");
    }

    @Test
    void aCancelledCallReleasesItsReservationSoALaterCallFitsAgain() {
        Worst worst = probeWorstCase();
        String slow = oneCallInFlight(oneCallBudget(worst), worst);

        String refused = start("fast", "acme");
        assertThat(finish(refused).terminalReason()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(guardrail(refused).path("observed").asText()).contains("($0.00 spent today + "
                + AgentLoop.usd(worst.micros()) + " reserved by calls in flight + " + AgentLoop.usd(worst.micros()) + " worst case");

        daemon.client().cancelRun(slow, "enough", "ann");
        assertThat(finish(slow).state()).isEqualTo(RunState.CANCELLED);

        RunInfo fits = finish(start("fast", "acme"));
        assertThat(fits.state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(fits.usage().costMicros()).isEqualTo(worst.micros());
    }

    @Test
    void aCallReissuedAfterARestartIsAdmittedAgainAndHoldsItsReservation() {
        Worst worst = probeWorstCase();
        String config = oneCallBudget(worst);
        String slow = oneCallInFlight(config, worst);

        // The daemon stops with the call in flight; the next one re-issues it only if it fits the
        // budget again, reserving it. Whichever of the two calls is admitted first, the other is refused.
        start(dir, config);
        String fast = start("fast", "acme");
        RunInfo fastRun = finish(fast);
        if (fastRun.state() == RunState.SUCCEEDED) {
            RunInfo slowRun = finish(slow);
            assertThat(slowRun.terminalReason()).isEqualTo("BUDGET_EXCEEDED");
            // Refused for the fast run's call: spent by then, or still in flight (reserved), as timing has it.
            String usd = AgentLoop.usd(worst.micros());
            assertThat(slowRun.statusMessage()).startsWith("stopped before model call 1: tenant \"acme\" has spent ")
                    .satisfiesAnyOf(m -> assertThat(m).contains("has spent " + usd + " today"),
                            m -> assertThat(m).contains("its calls in flight may cost " + usd));
        } else {
            assertThat(fastRun.terminalReason()).isEqualTo("BUDGET_EXCEEDED");
            assertThat(guardrail(fast).path("observed").asText())
                    .contains(AgentLoop.usd(worst.micros()) + " reserved by calls in flight");
            assertThat(types(slow)).doesNotContain("model_responded", "guardrail_tripped");
        }
    }

    @Test
    void aFailedCallReleasesItsReservationSoALaterCallFitsAgain() {
        // gpt-4o-mini is priced by the catalog; nothing listens on port 9, so every call fails.
        start(probeDir, "tenants:\n  probe: {daily_budget_usd: 0.000001}\n");
        pushFailing();
        RunInfo probe = finish(start("failing", "probe"));
        Matcher m = Pattern.compile("this call could cost \\$([0-9.]+) ").matcher(probe.statusMessage());
        assertThat(m.find()).as(probe.statusMessage()).isTrue();
        String budget = m.group(1);
        start(dir, "tenants:\n  acme: {daily_budget_usd: " + budget + "}\n");
        pushFailing();

        for (int attempt = 1; attempt <= 2; attempt++) {
            String id = start("failing", "acme");
            RunInfo failed = finish(id);
            assertThat(failed.terminalReason()).as("run %d", attempt).isEqualTo("ERROR");
            assertThat(failed.statusMessage()).as("run %d", attempt).startsWith("model call failed");
            assertThat(types(id)).as("run %d", attempt).contains("model_requested");
        }
    }

    private void pushFailing() {
        daemon.client().pushBundle("""
                name: failing
                system_prompt: You are a test agent.
                model:
                  provider: openai
                  model: gpt-4o-mini
                  base_url: http://127.0.0.1:9/v1
                  api_key: none
                  parameters: {max_tokens: 100}
                """);
    }
}
