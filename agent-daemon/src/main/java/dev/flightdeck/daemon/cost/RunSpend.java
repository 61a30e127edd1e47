package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.model.Usage;

import java.util.Comparator;

/**
 * What one run's model calls in a range cost, before its run row is known.
 *
 * @param usage priced false when any of the calls was unpriced (cost then sums the priced ones)
 */
public record RunSpend(String runId, long calls, Usage usage, long unpricedCalls) {
    /** TopRuns' order as far as the calls decide it: priced cost, then tokens, both descending. */
    public static final Comparator<RunSpend> COSTLIEST_FIRST = Comparator
            .comparingLong((RunSpend r) -> r.usage().costMicros()).thenComparingLong(r -> r.usage().totalTokens())
            .reversed();

    /** Same cost and tokens: only the runs' rows (newer first, then run id) can order them. */
    public boolean tiesWith(RunSpend other) {
        return usage.costMicros() == other.usage.costMicros() && usage.totalTokens() == other.usage.totalTokens();
    }
}
