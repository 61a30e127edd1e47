package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.model.Usage;

import java.time.Instant;
import java.util.List;

/**
 * Aggregates of one group of model calls.
 *
 * @param keys          one key per group-by dimension, in the query's order (empty for the total)
 * @param bucketStart   start of the DAY or HOUR bucket; null when not grouped by time
 * @param runs          distinct runs with a call in the group
 * @param usage         token and cost sums; priced false when any call was unpriced (cost then sums the priced ones)
 * @param latencyP50Ms  nearest-rank percentiles of the calls' latencies (0 for no calls)
 */
public record CostGroup(List<String> keys, Instant bucketStart, long runs, long calls, Usage usage,
                        long unpricedCalls, long latencyP50Ms, long latencyP95Ms, long latencyP99Ms) {
    public CostGroup {
        keys = List.copyOf(keys);
    }
}
