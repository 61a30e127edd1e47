package dev.flightdeck.client;

import java.util.List;

/**
 * Which model calls a cost query counts. Each non-empty list keeps only calls whose value is one of
 * the list's (exact match); lists combine with AND. {@code models} are model ids without the provider.
 */
public record CostFilter(List<String> tenants, List<String> bundleNames, List<String> bundleVersions,
                         List<String> providers, List<String> models) {
    public static final CostFilter ALL = new CostFilter(List.of(), List.of(), List.of(), List.of(), List.of());

    public CostFilter {
        tenants = copy(tenants);
        bundleNames = copy(bundleNames);
        bundleVersions = copy(bundleVersions);
        providers = copy(providers);
        models = copy(models);
    }

    private static List<String> copy(List<String> values) {
        return values == null ? List.of() : List.copyOf(values);
    }
}
