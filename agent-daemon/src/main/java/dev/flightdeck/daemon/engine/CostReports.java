package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.cost.CostDimension;
import dev.flightdeck.daemon.cost.CostFilter;
import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.cost.CostQuery;
import dev.flightdeck.daemon.cost.CostReport;
import dev.flightdeck.daemon.cost.CostlyRun;
import dev.flightdeck.daemon.cost.RunSpend;
import dev.flightdeck.daemon.error.InvalidArgumentException;
import dev.flightdeck.daemon.error.UnavailableException;
import dev.flightdeck.daemon.store.CostRepository;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Cost queries (flightdeck.v1.CostService), validated before they run: a wrong request gets an
 * {@link InvalidArgumentException} naming the field. Both are answered from the in-memory
 * {@link CostIndex} (ADR 0014); TopRuns reads the rows of the runs it returns from the database.
 */
public final class CostReports {
    /** Longest time range accepted. */
    public static final Duration MAX_RANGE = Duration.ofDays(400);
    public static final int DEFAULT_GROUPS = 10_000;
    public static final int MAX_GROUPS = 100_000;
    public static final int DEFAULT_TOP_RUNS = 20;
    public static final int MAX_TOP_RUNS = 500;
    /** Most values in one filter list (each becomes a query parameter). */
    public static final int MAX_FILTER_VALUES = 1_000;
    /** Timestamps are Protocol Buffers Timestamps: years 0001 to 9999. */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    /** Longest a query waits for the cost index's start-up load (less when its caller's deadline is nearer). */
    public static final Duration DEFAULT_LOAD_WAIT = Duration.ofSeconds(30);

    private final CostRepository costs;
    private final CostIndex index;

    public CostReports(CostRepository costs, CostIndex index) {
        this.costs = costs;
        this.index = index;
    }

    /**
     * Completes once the cost index's start-up load has finished (successfully or not), on the
     * thread that finished it: from then on a query needs no wait.
     */
    public CompletableFuture<Void> loaded() {
        return index.loaded();
    }

    /** The refusal of a query that cannot wait for the start-up load any longer ("N of M calls"). */
    public UnavailableException stillLoading() {
        return index.stillLoading();
    }

    /** As {@link #query(Instant, Instant, List, CostFilter, int, Duration)}, waiting {@link #DEFAULT_LOAD_WAIT}. */
    public CostReport query(Instant from, Instant to, List<CostDimension> groupBy, CostFilter filter, int limit) {
        return query(from, to, groupBy, filter, limit, DEFAULT_LOAD_WAIT);
    }

    /**
     * The calls that finished in [from, to) matching {@code filter}, grouped by {@code groupBy}.
     *
     * @param from    null when the request has none
     * @param groupBy a null element is an unspecified dimension
     * @param limit   most groups (0: {@link #DEFAULT_GROUPS})
     * @param maxWait how long to wait for the cost index's start-up load (the caller's deadline);
     *                then UNAVAILABLE rather than an answer from part of the calls
     */
    public CostReport query(Instant from, Instant to, List<CostDimension> groupBy, CostFilter filter, int limit,
                            Duration maxWait) {
        range(from, to);
        filter(filter);
        Set<CostDimension> seen = EnumSet.noneOf(CostDimension.class);
        for (int i = 0; i < groupBy.size(); i++) {
            CostDimension d = groupBy.get(i);
            if (d == null) {
                throw new InvalidArgumentException("group_by[" + i + "]: unspecified; expected one of " + EnumSet.allOf(
                        CostDimension.class));
            }
            if (!seen.add(d)) {
                throw new InvalidArgumentException("group_by[" + i + "]: " + d + " is repeated");
            }
        }
        if (seen.contains(CostDimension.DAY) && seen.contains(CostDimension.HOUR)) {
            throw new InvalidArgumentException("group_by: DAY and HOUR cannot both be asked for");
        }
        int groups = limit(limit, DEFAULT_GROUPS, MAX_GROUPS);
        return index.query(new CostQuery(from, to, groupBy, filter, groups), maxWait);
    }

    /** The most expensive runs by their calls in [from, to) matching {@code filter}; limit 0: {@link #DEFAULT_TOP_RUNS}. */
    public List<CostlyRun> topRuns(Instant from, Instant to, CostFilter filter, int limit) {
        return topRuns(from, to, filter, limit, DEFAULT_LOAD_WAIT);
    }

    /**
     * As {@link #topRuns(Instant, Instant, CostFilter, int)}, waiting at most {@code maxWait} for the
     * cost index's start-up load. The index ranks the runs by cost and tokens; the database then
     * gives the rows of just the leading ones — the first {@code limit} and any tied with the last
     * of them, whose creation time decides — so a month of calls is never grouped in SQL.
     */
    public List<CostlyRun> topRuns(Instant from, Instant to, CostFilter filter, int limit, Duration maxWait) {
        range(from, to);
        filter(filter);
        int wanted = limit(limit, DEFAULT_TOP_RUNS, MAX_TOP_RUNS);
        List<RunSpend> ranked = index.spendByRun(from, to, filter, maxWait);
        List<CostlyRun> found = new ArrayList<>();
        int end = 0;
        // A run deleted since (no row) is skipped, as the join did: then look further down the ranking.
        while (found.size() < wanted && end < ranked.size()) {
            int start = end;
            end = Math.min(ranked.size(), end + wanted - found.size());
            while (end < ranked.size() && ranked.get(end).tiesWith(ranked.get(end - 1))) {
                end++;
            }
            found.addAll(costs.withRuns(ranked.subList(start, end)));
        }
        found.sort(Comparator.comparing((CostlyRun r) -> r.usage().costMicros())
                .thenComparing(r -> r.usage().totalTokens()).thenComparing(CostlyRun::createdAt)
                .thenComparing(CostlyRun::runId).reversed());
        return List.copyOf(found.subList(0, Math.min(wanted, found.size())));
    }

    private static void range(Instant from, Instant to) {
        if (from == null) {
            throw new InvalidArgumentException("from: required (start of the range, inclusive)");
        }
        if (to == null) {
            throw new InvalidArgumentException("to: required (end of the range, exclusive)");
        }
        for (var end : List.of(java.util.Map.entry("from", from), java.util.Map.entry("to", to))) {
            if (end.getValue().isBefore(EARLIEST) || end.getValue().isAfter(LATEST)) {
                throw new InvalidArgumentException(end.getKey() + ": " + end.getValue()
                        + " is outside the years 0001 to 9999");
            }
        }
        if (!to.isAfter(from)) {
            throw new InvalidArgumentException("to: must be after from, got from " + from + " and to " + to);
        }
        if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            throw new InvalidArgumentException("to: the range from " + from + " to " + to
                    + " is longer than 400 days");
        }
    }

    private static void filter(CostFilter f) {
        check("filter.tenants", f.tenants());
        check("filter.bundle_names", f.bundleNames());
        check("filter.bundle_versions", f.bundleVersions());
        check("filter.providers", f.providers());
        check("filter.models", f.models());
    }

    private static void check(String field, List<String> values) {
        if (values.size() > MAX_FILTER_VALUES) {
            throw new InvalidArgumentException(field + ": at most " + MAX_FILTER_VALUES + " values, got " + values.size());
        }
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).isBlank()) {
                throw new InvalidArgumentException(field + "[" + i + "]: empty");
            }
        }
    }

    private static int limit(int limit, int defaultValue, int max) {
        if (limit < 0 || limit > max) {
            throw new InvalidArgumentException("limit: must be between 0 and " + max + " (0: " + defaultValue
                    + "), got " + limit);
        }
        return limit == 0 ? defaultValue : limit;
    }
}
