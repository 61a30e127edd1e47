package dev.flightdeck.daemon.cost;

import java.util.List;

/**
 * What a cost query found.
 *
 * @param groups    ordered by their keys (time buckets oldest first)
 * @param total     every matching call together (independent of the limit)
 * @param truncated more groups matched than the limit
 */
public record CostReport(List<CostGroup> groups, CostGroup total, boolean truncated) {
    public CostReport {
        groups = List.copyOf(groups);
    }
}
