package dev.flightdeck.client;

import java.time.Instant;
import java.util.List;

/**
 * The aggregates of one group of model calls.
 *
 * @param keys          one key per group-by dimension, in the query's order; empty for the total
 * @param bucketStart   start of the DAY or HOUR bucket when grouped by time, else null
 * @param usage         tokens and cost; {@code usage.priced()} is false when any call was unpriced
 * @param latencyP50Ms  nearest-rank model latency percentiles, milliseconds
 */
public record CostGroupInfo(List<String> keys, Instant bucketStart, long runs, long calls, UsageInfo usage,
                            long unpricedCalls, long latencyP50Ms, long latencyP95Ms, long latencyP99Ms) {
    public static final CostGroupInfo EMPTY = new CostGroupInfo(List.of(), null, 0, 0, UsageInfo.NONE, 0, 0, 0, 0);

    public CostGroupInfo {
        keys = List.copyOf(keys);
    }

    /** The key of dimension number {@code index} of the query's group-by list. */
    public String key(int index) {
        return keys.get(index);
    }
}
