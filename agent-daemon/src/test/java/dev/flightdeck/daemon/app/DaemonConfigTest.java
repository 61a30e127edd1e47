package dev.flightdeck.daemon.app;

import dev.flightdeck.daemon.cost.ModelPrice;
import dev.flightdeck.daemon.model.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** daemon.yaml: what it configures, and the located errors a wrong file gets. */
class DaemonConfigTest {
    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void noFileMeansDefaults() {
        assertThat(DaemonConfig.load(dir)).isEqualTo(DaemonConfig.DEFAULT);
    }

    @Test
    void readsTenantLimitsPricesAndRetention() throws Exception {
        Files.writeString(dir.resolve("daemon.yaml"), """
                tenants:
                  acme: {max_concurrent_runs: 5, daily_budget_usd: 12.50}
                  beta: {daily_budget_usd: 0.000001}
                prices:
                  - provider: openai
                    model: gpt-4o
                    input_per_million_usd: 2.50
                    cached_input_per_million_usd: 1.25
                    output_per_million_usd: 10
                retention:
                  max_age_days: 30
                """);

        DaemonConfig config = DaemonConfig.load(dir);

        assertThat(config.tenantRunLimits()).isEqualTo(Map.of("acme", 5));
        assertThat(config.tenantDailyBudgets()).isEqualTo(Map.of("acme", 12_500_000L, "beta", 1L));
        assertThat(config.prices()).containsExactly(new ModelPrice("openai", "gpt-4o", ModelPrice.ALWAYS, 2_500_000,
                1_250_000, 2_500_000, 10_000_000));
        assertThat(config.retentionMaxAgeDays()).isEqualTo(30);
        // 1000 input + 2000 cached + 100 output tokens = $0.0025 + $0.0025 + $0.001
        Usage priced = config.priceTable().price("openai", "gpt-4o", NOW, new Usage(1000, 2000, 100, 0, 0, false));
        assertThat(priced.costMicros()).isEqualTo(6000);
        assertThat(priced.priced()).isTrue();
    }

    @Test
    void aModelWithNoPriceIsUnpricedNeverFree_butUnlistedScriptedModelsAreFree() {
        var table = DaemonConfig.DEFAULT.priceTable();
        Usage unpriced = table.price("openai", "gpt-unknown", NOW, new Usage(1000, 0, 100, 0, 0, true));
        assertThat(unpriced.priced()).isFalse();
        assertThat(unpriced.costMicros()).isZero();
        assertThat(table.price("scripted", "m", NOW, new Usage(1000, 0, 100, 0, 0, true)))
                .isEqualTo(new Usage(1000, 0, 100, 0, 0, true));
    }

    @Test
    void everyProblemIsReportedWithItsLocation() {
        assertThatThrownBy(() -> DaemonConfig.parse("""
                tenant: {}
                tenants:
                  acme: {max_concurrent_runs: 0}
                prices:
                  - {provider: openai, input_per_million_usd: "cheap", output_per_million_usd: 1}
                retention: {max_age_days: -1}
                """, "/data/daemon.yaml"))
                .isInstanceOf(DaemonConfig.InvalidException.class)
                .hasMessage("/data/daemon.yaml: tenant: unknown setting \"tenant\" (expected one of prices, retention, "
                        + "tenants); tenants.acme.max_concurrent_runs: must be between 1 and 256, got 0; "
                        + "prices[0].model: required; prices[0].input_per_million_usd: expected a number of US dollars "
                        + "per million tokens, got \"cheap\"; retention.max_age_days: must be between 0 and 36500, got -1");
    }

    @Test
    void aYamlSyntaxErrorNamesLineAndColumn() {
        assertThatThrownBy(() -> DaemonConfig.parse("prices:\n  - {provider: x\n", "daemon.yaml"))
                .isInstanceOf(DaemonConfig.InvalidException.class)
                .hasMessageStartingWith("daemon.yaml: YAML syntax error at line ");
    }
}
