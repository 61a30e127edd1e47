package dev.flightdeck.console.testing;

import com.google.protobuf.Timestamp;
import dev.flightdeck.proto.v1.CostDimension;
import dev.flightdeck.proto.v1.CostFilter;
import dev.flightdeck.proto.v1.CostGroup;
import dev.flightdeck.proto.v1.CostServiceGrpc;
import dev.flightdeck.proto.v1.CostlyRun;
import dev.flightdeck.proto.v1.QueryCostRequest;
import dev.flightdeck.proto.v1.QueryCostResponse;
import dev.flightdeck.proto.v1.RunStatus;
import dev.flightdeck.proto.v1.TopRunsRequest;
import dev.flightdeck.proto.v1.TopRunsResponse;
import dev.flightdeck.proto.v1.Usage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The CostService of {@link FakeDaemon}: aggregates the model calls a test seeds, the way the
 * contract says (filters, group keys, bucket starts, unpriced calls, nearest-rank percentiles,
 * top runs by priced cost). Small and slow on purpose; it is the reference a test can reason about.
 */
public final class FakeCosts extends CostServiceGrpc.CostServiceImplBase {
    /** One completed model call, as the daemon's accounting would record it. */
    public record Call(String runId, String tenant, String bundle, String version, RunStatus status,
                       String provider, String model, Instant at, long input, long output, long costMicros,
                       boolean priced, long latencyMs) {
    }

    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:00'Z'")
            .withZone(ZoneOffset.UTC);

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Every QueryCost request received, in order. */
    public final List<QueryCostRequest> queries = new CopyOnWriteArrayList<>();
    /** Every TopRuns request received, in order. */
    public final List<TopRunsRequest> topRunsRequests = new CopyOnWriteArrayList<>();
    /** When set, QueryCost fails with this status. */
    public volatile Status fail;

    /**
     * Runs on the serving thread before every QueryCost and TopRuns answer (null: none). A test
     * makes the daemon slow or waits for the calls to overlap with it.
     */
    public volatile Runnable beforeAnswer;

    public void add(Call call) {
        calls.add(call);
    }

    /** Forgets the seeded calls (another daemon's data follows). */
    public void clear() {
        calls.clear();
    }

    private void beforeAnswer() {
        Runnable hook = beforeAnswer;
        if (hook != null) {
            hook.run();
        }
    }

    @Override
    public void queryCost(QueryCostRequest request, StreamObserver<QueryCostResponse> out) {
        queries.add(request);
        beforeAnswer();
        if (fail != null) {
            out.onError(fail.asRuntimeException());
            return;
        }
        List<Call> matching = matching(request.getFrom(), request.getTo(), request.getFilter());
        Map<List<String>, List<Call>> groups = new LinkedHashMap<>();
        for (Call c : matching) {
            List<String> keys = request.getGroupByList().stream().map(d -> key(d, c)).toList();
            groups.computeIfAbsent(keys, k -> new ArrayList<>()).add(c);
        }
        int limit = request.getLimit() == 0 ? 10_000 : request.getLimit();
        QueryCostResponse.Builder r = QueryCostResponse.newBuilder().setTotal(group(List.of(), null, matching))
                .setTruncated(groups.size() > limit);
        groups.entrySet().stream().sorted(Map.Entry.comparingByKey(FakeCosts::compareKeys)).limit(limit)
                .forEach(e -> r.addGroups(group(e.getKey(), bucketOf(request.getGroupByList(), e.getValue().get(0)),
                        e.getValue())));
        out.onNext(r.build());
        out.onCompleted();
    }

    @Override
    public void topRuns(TopRunsRequest request, StreamObserver<TopRunsResponse> out) {
        topRunsRequests.add(request);
        beforeAnswer();
        Map<String, List<Call>> byRun = new LinkedHashMap<>();
        matching(request.getFrom(), request.getTo(), request.getFilter())
                .forEach(c -> byRun.computeIfAbsent(c.runId(), k -> new ArrayList<>()).add(c));
        int limit = request.getLimit() == 0 ? 20 : request.getLimit();
        TopRunsResponse.Builder r = TopRunsResponse.newBuilder();
        byRun.values().stream().sorted(Comparator.comparingLong((List<Call> cs) -> usage(cs).getCostMicros())
                        .reversed()).limit(limit)
                .forEach(cs -> {
                    Call first = cs.get(0);
                    r.addRuns(CostlyRun.newBuilder().setRunId(first.runId()).setTenant(first.tenant())
                            .setBundleName(first.bundle()).setBundleVersion(first.version()).setStatus(first.status())
                            .setCreatedAt(ts(cs.stream().map(Call::at).min(Comparator.naturalOrder()).orElseThrow()))
                            .setCalls(cs.size()).setUsage(usage(cs))
                            .setUnpricedCalls(cs.stream().filter(c -> !c.priced()).count()));
                });
        out.onNext(r.build());
        out.onCompleted();
    }

    private List<Call> matching(Timestamp from, Timestamp to, CostFilter f) {
        Instant a = Instant.ofEpochSecond(from.getSeconds(), from.getNanos());
        Instant b = Instant.ofEpochSecond(to.getSeconds(), to.getNanos());
        return calls.stream().filter(c -> !c.at().isBefore(a) && c.at().isBefore(b))
                .filter(c -> keep(f.getTenantsList(), c.tenant()) && keep(f.getBundleNamesList(), c.bundle())
                        && keep(f.getBundleVersionsList(), c.version()) && keep(f.getProvidersList(), c.provider())
                        && keep(f.getModelsList(), c.model()))
                .toList();
    }

    private static boolean keep(List<String> allowed, String value) {
        return allowed.isEmpty() || allowed.contains(value);
    }

    private static String key(CostDimension d, Call c) {
        return switch (d) {
            case COST_DIMENSION_TENANT -> c.tenant();
            case COST_DIMENSION_BUNDLE -> c.bundle();
            case COST_DIMENSION_BUNDLE_VERSION -> c.bundle() + "@" + c.version();
            case COST_DIMENSION_PROVIDER -> c.provider();
            case COST_DIMENSION_MODEL -> c.provider() + "/" + c.model();
            case COST_DIMENSION_DAY -> c.at().atZone(ZoneOffset.UTC).toLocalDate().toString();
            case COST_DIMENSION_HOUR -> HOUR.format(c.at());
            default -> throw Status.INVALID_ARGUMENT.withDescription("group_by: unspecified").asRuntimeException();
        };
    }

    private static Instant bucketOf(List<CostDimension> dims, Call c) {
        if (dims.contains(CostDimension.COST_DIMENSION_HOUR)) {
            return c.at().truncatedTo(ChronoUnit.HOURS);
        }
        return dims.contains(CostDimension.COST_DIMENSION_DAY) ? c.at().truncatedTo(ChronoUnit.DAYS) : null;
    }

    private static int compareKeys(List<String> a, List<String> b) {
        for (int i = 0; i < a.size(); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static CostGroup group(List<String> keys, Instant bucket, List<Call> cs) {
        CostGroup.Builder g = CostGroup.newBuilder().addAllKeys(keys)
                .setRuns(cs.stream().map(Call::runId).distinct().count()).setCalls(cs.size()).setUsage(usage(cs))
                .setUnpricedCalls(cs.stream().filter(c -> !c.priced()).count())
                .setLatencyP50Ms(percentile(cs, 50)).setLatencyP95Ms(percentile(cs, 95))
                .setLatencyP99Ms(percentile(cs, 99));
        if (bucket != null) {
            g.setBucketStart(ts(bucket));
        }
        return g.build();
    }

    private static Usage usage(List<Call> cs) {
        return Usage.newBuilder().setInputTokens(sum(cs, Call::input)).setOutputTokens(sum(cs, Call::output))
                .setCostMicros(cs.stream().filter(Call::priced).mapToLong(Call::costMicros).sum())
                .setPriced(cs.stream().allMatch(Call::priced)).build();
    }

    private static long sum(List<Call> cs, Function<Call, Long> f) {
        return cs.stream().mapToLong(f::apply).sum();
    }

    /** Nearest rank: the smallest latency with at least p% of the calls at or below it. */
    static long percentile(List<Call> cs, int p) {
        if (cs.isEmpty()) {
            return 0;
        }
        long[] sorted = cs.stream().mapToLong(Call::latencyMs).sorted().toArray();
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
