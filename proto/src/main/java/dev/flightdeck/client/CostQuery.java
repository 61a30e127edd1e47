package dev.flightdeck.client;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A cost aggregation over the model calls that finished in [{@code from}, {@code to}): one group per
 * distinct combination of {@code groupBy} (one group in all when empty). {@code limit} 0 means the
 * daemon's default (10,000 groups).
 */
public record CostQuery(Instant from, Instant to, List<CostDimension> groupBy, CostFilter filter, int limit) {
    public CostQuery {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        groupBy = groupBy == null ? List.of() : List.copyOf(groupBy);
        filter = filter == null ? CostFilter.ALL : filter;
    }

    public CostQuery(Instant from, Instant to, List<CostDimension> groupBy, CostFilter filter) {
        this(from, to, groupBy, filter, 0);
    }
}
