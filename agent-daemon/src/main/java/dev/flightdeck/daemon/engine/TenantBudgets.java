package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.cost.TenantSpend;
import dev.flightdeck.daemon.store.CostRepository;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Per-tenant spend limits per UTC day ({@code tenants.<name>.daily_budget_usd} of daemon.yaml),
 * and what each tenant has spent today, from the accounting rows of its model calls.
 */
public final class TenantBudgets {
    /** No tenant has a daily budget. */
    public static final TenantBudgets NONE = new TenantBudgets(Map.of(), null);

    private final Map<String, Long> dailyMicros;
    private final CostRepository costs;

    /** @param dailyMicros tenant name -> limit per UTC day in micro-dollars */
    public TenantBudgets(Map<String, Long> dailyMicros, CostRepository costs) {
        this.dailyMicros = Map.copyOf(dailyMicros);
        this.costs = costs;
    }

    /** The tenant's limit per UTC day in micro-dollars, if it has one. */
    OptionalLong dailyLimit(String tenant) {
        Long limit = dailyMicros.get(tenant);
        return limit == null ? OptionalLong.empty() : OptionalLong.of(limit);
    }

    /** What the tenant's model calls cost on the UTC day of {@code now}, up to now. */
    TenantSpend spentToday(String tenant, Instant now) {
        Instant dayStart = LocalDate.ofInstant(now, ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant();
        return costs.spend(tenant, dayStart, now.plusMillis(1));
    }
}
