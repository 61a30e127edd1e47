package dev.flightdeck.daemon.api;

import java.util.List;

/**
 * Tenant filters of list, watch and cost requests, read the way StartRun reads a tenant: with
 * surrounding whitespace trimmed, so {@code " acme "} finds the runs started for {@code " acme "}
 * (stored as {@code acme}). An empty or blank filter means any tenant.
 */
final class TenantFilters {
    private TenantFilters() {
    }

    static String of(String tenant) {
        return tenant == null ? "" : tenant.trim();
    }

    static List<String> of(List<String> tenants) {
        return tenants.stream().map(TenantFilters::of).toList();
    }
}
