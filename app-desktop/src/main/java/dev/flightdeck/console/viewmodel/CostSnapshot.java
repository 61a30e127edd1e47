package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.CostGroupInfo;
import dev.flightdeck.client.CostReport;
import dev.flightdeck.client.CostlyRunInfo;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Costs screen shows for one range and filter, ready to draw: built off the UI thread from
 * the daemon's answers, plain data (no chart types). Spend values are US dollars of priced calls;
 * unpriced calls are counted in {@link #total()} and never drawn as $0 spend.
 *
 * @param buckets        start of every time bucket of the range, oldest first, gaps included
 * @param spendByModel   one series per priced model (the most expensive first, at most {@value #MAX_MODELS}
 *                       then "other"), one value per bucket
 * @param unpricedModels models none of whose calls had a price: not drawn as spend (that would say $0)
 * @param latency        p50, p95 and p99 model latency (ms) of the buckets that had calls
 * @param tokens         prompt tokens in and completion tokens out, one value per bucket
 * @param spendByTenant  the tenants, most expensive first
 * @param spendByVersion the bundle versions ({@code name@version}), most expensive first
 * @param truncated      true when the daemon had more groups than it returned
 */
public record CostSnapshot(CostRequest request, List<Instant> buckets, List<Series> spendByModel,
                           List<String> unpricedModels, List<Series> latency, List<Series> tokens, List<Bar> spendByTenant,
                           List<Bar> spendByVersion, CostGroupInfo total, List<CostlyRunInfo> topRuns,
                           boolean truncated) {
    /** Models drawn on their own before the rest are summed into "other". */
    public static final int MAX_MODELS = 12;
    /** The series name that sums the models beyond {@value #MAX_MODELS}. */
    public static final String OTHER = "other";

    public static final CostSnapshot EMPTY = new CostSnapshot(null, List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), List.of(), CostGroupInfo.EMPTY, List.of(), false);

    /** A named line or stack layer: {@code values[i]} belongs to {@code at.get(i)}. */
    public record Series(String name, List<Instant> at, double[] values) {
        public int size() {
            return values.length;
        }
    }

    /** One bar of a by-tenant or by-version chart; {@code priced} false when some of its calls were unpriced. */
    public record Bar(String label, double dollars, boolean priced, long calls) {
    }

    /** The models this answer names, drawn or unpriced ("other" is not one). */
    public List<String> models() {
        return java.util.stream.Stream.concat(spendByModel.stream().map(Series::name).filter(m -> !m.equals(OTHER)),
                unpricedModels.stream()).toList();
    }

    /** Total points the time charts draw (the size the dashboard benchmark measures). */
    public int pointCount() {
        return List.of(spendByModel, latency, tokens).stream().flatMap(List::stream).mapToInt(Series::size).sum();
    }

    /**
     * Builds the snapshot from the answers to {@code request}'s queries: {@code overTime} grouped by
     * (bucket, MODEL), {@code perBucket} by (bucket), {@code byTenant} by TENANT, {@code byVersion}
     * by BUNDLE_VERSION.
     */
    public static CostSnapshot of(CostRequest request, CostReport overTime, CostReport perBucket, CostReport byTenant,
                                  CostReport byVersion, List<CostlyRunInfo> topRuns) {
        List<Instant> buckets = buckets(request);
        Map<Instant, Integer> index = new HashMap<>();
        for (int i = 0; i < buckets.size(); i++) {
            index.put(buckets.get(i), i);
        }
        List<String> unpriced = unpricedModels(overTime);
        return new CostSnapshot(request, buckets, spendByModel(overTime, unpriced, buckets, index),
                unpriced, latency(perBucket), tokens(perBucket, buckets, index), bars(byTenant), bars(byVersion),
                perBucket.total(), List.copyOf(topRuns), List.of(overTime, perBucket, byTenant, byVersion).stream()
                .anyMatch(CostReport::truncated));
    }

    /** The start of every bucket that overlaps [from, to), in UTC like the daemon's buckets. */
    static List<Instant> buckets(CostRequest request) {
        ChronoUnit unit = request.bucketUnit();
        Duration step = unit.getDuration();
        List<Instant> out = new ArrayList<>();
        for (Instant t = request.from().truncatedTo(unit); t.isBefore(request.to()); t = t.plus(step)) {
            out.add(t);
        }
        return out;
    }

    static double dollars(long micros) {
        return micros / 1_000_000.0;
    }

    /** Models that had calls in the range but no priced one. */
    private static List<String> unpricedModels(CostReport overTime) {
        Map<String, Boolean> anyPriced = new java.util.TreeMap<>();
        for (CostGroupInfo g : overTime.groups()) {
            anyPriced.merge(g.key(1), g.unpricedCalls() < g.calls(), Boolean::logicalOr);
        }
        return anyPriced.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
    }

    private static List<Series> spendByModel(CostReport overTime, List<String> unpricedModels, List<Instant> buckets,
                                             Map<Instant, Integer> index) {
        Map<String, double[]> byModel = new LinkedHashMap<>();
        Map<String, Long> totals = new HashMap<>();
        java.util.Set<String> unpriced = new java.util.HashSet<>(unpricedModels);
        for (CostGroupInfo g : overTime.groups()) {
            Integer i = g.bucketStart() == null ? null : index.get(g.bucketStart());
            if (i == null || unpriced.contains(g.key(1))) {
                continue;
            }
            String model = g.key(1);
            byModel.computeIfAbsent(model, k -> new double[buckets.size()])[i] += dollars(g.usage().costMicros());
            totals.merge(model, g.usage().costMicros(), Long::sum);
        }
        List<String> order = new ArrayList<>(byModel.keySet());
        order.sort(Comparator.comparing((String m) -> totals.get(m)).reversed().thenComparing(m -> m));
        List<Series> out = new ArrayList<>();
        double[] other = null;
        for (int n = 0; n < order.size(); n++) {
            double[] values = byModel.get(order.get(n));
            if (n < MAX_MODELS) {
                out.add(new Series(order.get(n), buckets, values));
            } else {
                if (other == null) {
                    other = new double[buckets.size()];
                }
                for (int i = 0; i < values.length; i++) {
                    other[i] += values[i];
                }
            }
        }
        if (other != null) {
            out.add(new Series(OTHER, buckets, other));
        }
        return List.copyOf(out);
    }

    private static List<Series> latency(CostReport perBucket) {
        List<CostGroupInfo> withCalls = perBucket.groups().stream()
                .filter(g -> g.bucketStart() != null && g.calls() > 0).toList();
        List<Instant> at = withCalls.stream().map(CostGroupInfo::bucketStart).toList();
        return List.of(
                new Series("p50", at, withCalls.stream().mapToDouble(CostGroupInfo::latencyP50Ms).toArray()),
                new Series("p95", at, withCalls.stream().mapToDouble(CostGroupInfo::latencyP95Ms).toArray()),
                new Series("p99", at, withCalls.stream().mapToDouble(CostGroupInfo::latencyP99Ms).toArray()));
    }

    private static List<Series> tokens(CostReport perBucket, List<Instant> buckets, Map<Instant, Integer> index) {
        double[] in = new double[buckets.size()];
        double[] out = new double[buckets.size()];
        for (CostGroupInfo g : perBucket.groups()) {
            Integer i = g.bucketStart() == null ? null : index.get(g.bucketStart());
            if (i != null) {
                in[i] += g.usage().promptTokens();
                out[i] += g.usage().outputTokens();
            }
        }
        return List.of(new Series("tokens in", buckets, in), new Series("tokens out", buckets, out));
    }

    private static List<Bar> bars(CostReport report) {
        return report.groups().stream()
                .map(g -> new Bar(g.key(0), dollars(g.usage().costMicros()), g.usage().priced(), g.calls()))
                .sorted(Comparator.comparingDouble(Bar::dollars).reversed().thenComparing(Bar::label))
                .toList();
    }
}
