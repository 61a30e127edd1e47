package dev.flightdeck.client;

import java.util.List;

/**
 * What a {@link CostQuery} found: the groups ordered by their keys (time buckets oldest first), all
 * matching calls together, and whether more groups matched than the query's limit.
 */
public record CostReport(List<CostGroupInfo> groups, CostGroupInfo total, boolean truncated) {
    public CostReport {
        groups = List.copyOf(groups);
    }
}
