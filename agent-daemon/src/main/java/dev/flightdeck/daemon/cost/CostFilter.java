package dev.flightdeck.daemon.cost;

import java.util.List;

/**
 * Which model calls a cost query counts: each non-empty list keeps only calls whose value is one
 * of the list's (exact match); the lists combine with AND.
 *
 * @param models model ids that answered, without the provider
 */
public record CostFilter(List<String> tenants, List<String> bundleNames, List<String> bundleVersions,
                         List<String> providers, List<String> models) {
    public static final CostFilter NONE = new CostFilter(List.of(), List.of(), List.of(), List.of(), List.of());

    public CostFilter {
        tenants = List.copyOf(tenants);
        bundleNames = List.copyOf(bundleNames);
        bundleVersions = List.copyOf(bundleVersions);
        providers = List.copyOf(providers);
        models = List.copyOf(models);
    }
}
