package dev.flightdeck.daemon.cost;

import java.time.Instant;
import java.util.List;

/**
 * A validated QueryCost: the calls that finished in [from, to) and match {@code filter}, grouped by
 * {@code groupBy}, at most {@code limit} groups.
 */
public record CostQuery(Instant from, Instant to, List<CostDimension> groupBy, CostFilter filter, int limit) {
    public CostQuery {
        groupBy = List.copyOf(groupBy);
    }
}
