package dev.flightdeck.daemon.app;

import dev.flightdeck.daemon.cost.ModelPrice;
import dev.flightdeck.daemon.cost.PriceTable;
import dev.flightdeck.daemon.model.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shipped pricing catalog, pricing.yaml and daemon.yaml prices: which price applies, and what a call costs. */
class PricingCatalogTest {
    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theShippedCatalogParsesAndPricesCommonModelsAndTheDemoModel() {
        PriceTable table = DaemonConfig.DEFAULT.priceTable();
        assertThat(DaemonConfig.shippedCatalog()).hasSizeGreaterThan(10);
        for (String model : List.of("openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1", "anthropic/claude-sonnet-4",
                "anthropic/claude-3-5-haiku", "scripted/demo-1")) {
            String[] pm = model.split("/");
            assertThat(table.find(pm[0], pm[1], NOW)).as(model).isPresent();
        }
        // demo-1 has (demo) prices: 1M input tokens cost $3
        assertThat(table.price("scripted", "demo-1", NOW, new Usage(1_000_000, 0, 0, 0, 0, true)).costMicros())
                .isEqualTo(3_000_000);
    }

    @Test
    void thePriceInForceOnTheCallsUtcDayApplies() {
        PriceTable table = DaemonConfig.DEFAULT.priceTable();
        Usage million = new Usage(1_000_000, 0, 0, 0, 0, false);
        // o3: $10 per million input tokens from 2025-04-16, $2 from 2025-06-10
        assertThat(table.price("openai", "o3", Instant.parse("2025-06-09T23:59:59.999Z"), million).costMicros())
                .isEqualTo(10_000_000);
        assertThat(table.price("openai", "o3", Instant.parse("2025-06-10T00:00:00Z"), million).costMicros())
                .isEqualTo(2_000_000);
        // before its first entry a model is unpriced, not free
        Usage before = table.price("openai", "o3", Instant.parse("2025-04-15T12:00:00Z"), million);
        assertThat(before.priced()).isFalse();
        assertThat(before.costMicros()).isZero();
    }

    @Test
    void aDatedSnapshotIsPricedAsItsFamilyUnlessItHasItsOwnEntry() {
        PriceTable table = DaemonConfig.DEFAULT.priceTable();
        Usage million = new Usage(1_000_000, 0, 0, 0, 0, false);
        assertThat(table.price("openai", "gpt-4o-2024-08-06", NOW, million).costMicros()).isEqualTo(2_500_000);
        assertThat(table.price("openai", "gpt-4o-2024-05-13", NOW, million).costMicros()).isEqualTo(5_000_000);
        assertThat(table.price("anthropic", "claude-sonnet-4-20250514", NOW, million).costMicros()).isEqualTo(3_000_000);
    }

    @Test
    void anthropicCacheWritesAndReadsArePricedAtTheirOwnPrices() {
        // claude-sonnet-4: $3 input, $0.30 cache read, $3.75 cache write, $15 output per million tokens
        Usage usage = new Usage(1000, 10_000, 200, 0, 0, false, 2000);
        Usage priced = DaemonConfig.DEFAULT.priceTable().price("anthropic", "claude-sonnet-4", NOW, usage);
        // 1000 * 3 + 10000 * 0.30 + 2000 * 3.75 + 200 * 15 = 3000 + 3000 + 7500 + 3000 micro-dollars
        assertThat(priced.costMicros()).isEqualTo(16_500);
        assertThat(priced.priced()).isTrue();
        assertThat(priced.cacheWriteTokens()).isEqualTo(2000);
    }

    @Test
    void aCallsCostIsRoundedHalfUpToAMicroDollarOnce() {
        // $0.15 per million input tokens = 0.15 micro-dollars per token
        ModelPrice p = new ModelPrice("x", "y", ModelPrice.ALWAYS, 150_000, 0, 0, 0);
        assertThat(p.costMicros(new Usage(3, 0, 0, 0, 0, false))).isZero();  // 0.45
        assertThat(p.costMicros(new Usage(4, 0, 0, 0, 0, false))).isEqualTo(1); // 0.60
        assertThat(p.costMicros(new Usage(10, 0, 0, 0, 0, false))).isEqualTo(2); // 1.5 -> 2
        // rounded once over the whole call, not per token kind: 0.45 + 0.45 = 0.9 -> 1
        ModelPrice two = new ModelPrice("x", "y", ModelPrice.ALWAYS, 150_000, 0, 0, 150_000);
        assertThat(two.costMicros(new Usage(3, 0, 3, 0, 0, false))).isEqualTo(1);
    }

    @Test
    void pricingYamlReplacesEveryShippedEntryOfAModelItNames_andDaemonYamlWinsOverBoth() throws Exception {
        Files.writeString(dir.resolve("pricing.yaml"), """
                prices:
                  - {provider: openai, model: o3, effective_from: 2026-01-01, input_per_million_usd: 1, output_per_million_usd: 4}
                  - {provider: vllm, model: llama-3, effective_from: 2025-01-01, input_per_million_usd: 0.05, output_per_million_usd: 0.05}
                """);
        Files.writeString(dir.resolve("daemon.yaml"), """
                prices:
                  - {provider: vllm, model: llama-3, input_per_million_usd: 0.5, output_per_million_usd: 0.5}
                """);
        PriceTable table = DaemonConfig.load(dir).priceTable();
        Usage million = new Usage(1_000_000, 0, 0, 0, 0, false);

        assertThat(table.price("openai", "o3", NOW, million).costMicros()).isEqualTo(1_000_000);
        // the shipped 2025 entries of o3 are gone with the override: before 2026 o3 is unpriced
        assertThat(table.price("openai", "o3", Instant.parse("2025-07-01T00:00:00Z"), million).priced()).isFalse();
        assertThat(table.price("vllm", "llama-3", NOW, million).costMicros()).isEqualTo(500_000);
        // models the user file does not name keep their shipped prices
        assertThat(table.price("openai", "gpt-4o", NOW, million).costMicros()).isEqualTo(2_500_000);
    }

    @Test
    void aBadPricingFileIsRejectedNamingTheFileEntryAndField() throws Exception {
        Files.writeString(dir.resolve("pricing.yaml"), """
                prices:
                  - {provider: openai, model: gpt-4o, input_per_million_usd: 1, output_per_million_usd: 4}
                  - {provider: openai, model: o3, effective_from: June, input_per_million_usd: 1, output_per_million_usd: -4}
                  - {provider: openai, model: o3, effective_from: 2026-01-01, input_per_million_usd: 1, output_per_million_usd: 4, cache_write: 2}
                  - {provider: openai, model: o3, effective_from: 2026-01-01, input_per_million_usd: 1, output_per_million_usd: 4}
                """);
        Path file = dir.resolve("pricing.yaml");

        assertThatThrownBy(() -> DaemonConfig.load(dir))
                .isInstanceOf(DaemonConfig.InvalidException.class)
                .hasMessage(file + ": prices[0].effective_from: required (the first UTC day the price applies, "
                        + "e.g. 2025-06-10); prices[1].effective_from: expected a date like 2025-06-10, got \"June\"; "
                        + "prices[1].output_per_million_usd: must be >= 0, got -4; prices[2].cache_write: unknown "
                        + "setting \"cache_write\" (expected one of cache_write_per_million_usd, "
                        + "cached_input_per_million_usd, effective_from, input_per_million_usd, model, "
                        + "output_per_million_usd, provider); prices[3]: duplicate price for openai/o3 effective from "
                        + "2026-01-01");
    }

    @Test
    void aTenantBudgetMustBeANonNegativeDollarAmount() {
        assertThatThrownBy(() -> DaemonConfig.parse("""
                tenants:
                  acme: {daily_budget_usd: "ten"}
                  beta: {daily_budget_usd: -1}
                  gamma: {daily_budget_usd: 0.0000001}
                  delta: {}
                """, "daemon.yaml"))
                .isInstanceOf(DaemonConfig.InvalidException.class)
                .hasMessage("daemon.yaml: tenants.acme.daily_budget_usd: expected a number of US dollars, got \"ten\"; "
                        + "tenants.beta.daily_budget_usd: must be >= 0, got -1; "
                        + "tenants.gamma.daily_budget_usd: at most 6 decimal places, got 0.0000001; "
                        + "tenants.delta: expected a mapping with max_concurrent_runs and/or daily_budget_usd, got an empty mapping");
    }

    @Test
    void datedEntriesKeepTheirEffectiveDate() {
        List<ModelPrice> prices = DaemonConfig.parsePricing("""
                prices:
                  - {provider: p, model: m, effective_from: 2025-06-10, input_per_million_usd: 1, output_per_million_usd: 2}
                """, "pricing.yaml");
        assertThat(prices).containsExactly(new ModelPrice("p", "m", LocalDate.parse("2025-06-10"), 1_000_000,
                1_000_000, 1_000_000, 2_000_000));
    }
}
