package dev.flightdeck.daemon.api;

import com.google.protobuf.Timestamp;
import dev.flightdeck.daemon.cost.CostDimension;
import dev.flightdeck.daemon.cost.CostGroup;
import dev.flightdeck.daemon.cost.CostReport;
import dev.flightdeck.daemon.cost.CostlyRun;
import dev.flightdeck.daemon.engine.CostReports;
import dev.flightdeck.daemon.error.InvalidArgumentException;
import dev.flightdeck.proto.v1.CostFilter;
import dev.flightdeck.proto.v1.CostServiceGrpc;
import dev.flightdeck.proto.v1.QueryCostRequest;
import dev.flightdeck.proto.v1.QueryCostResponse;
import dev.flightdeck.proto.v1.TopRunsRequest;
import dev.flightdeck.proto.v1.TopRunsResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** CostService: spend, tokens and latency of model calls, grouped; the most expensive runs. */
public final class CostGrpcService extends CostServiceGrpc.CostServiceImplBase {
    private final CostReports reports;
    private final Unary unary;

    public CostGrpcService(CostReports reports) {
        this.reports = reports;
        this.unary = new Unary(new StatusMapper());
    }

    @Override
    public void queryCost(QueryCostRequest request, StreamObserver<QueryCostResponse> observer) {
        unary.answer(observer, () -> {
            List<CostDimension> groupBy = new ArrayList<>();
            request.getGroupByList().forEach(d -> groupBy.add(dimension(d)));
            CostReport report = reports.query(instant(request.hasFrom(), request.getFrom(), "from"),
                    instant(request.hasTo(), request.getTo(), "to"), groupBy, filter(request.getFilter()),
                    request.getLimit(), loadWait());
            QueryCostResponse.Builder b = QueryCostResponse.newBuilder().setTotal(group(report.total()))
                    .setTruncated(report.truncated());
            report.groups().forEach(g -> b.addGroups(group(g)));
            return b.build();
        });
    }

    @Override
    public void topRuns(TopRunsRequest request, StreamObserver<TopRunsResponse> observer) {
        unary.answer(observer, () -> {
            List<CostlyRun> runs = reports.topRuns(instant(request.hasFrom(), request.getFrom(), "from"),
                    instant(request.hasTo(), request.getTo(), "to"), filter(request.getFilter()), request.getLimit(),
                    loadWait());
            TopRunsResponse.Builder b = TopRunsResponse.newBuilder();
            for (CostlyRun r : runs) {
                b.addRuns(dev.flightdeck.proto.v1.CostlyRun.newBuilder().setRunId(r.runId()).setTenant(r.tenant())
                        .setBundleName(r.bundleName()).setBundleVersion(r.bundleVersion())
                        .setStatus(ProtoConverter.status(r.status())).setCreatedAt(ProtoConverter.timestamp(r.createdAt()))
                        .setCalls(r.calls()).setUsage(ProtoConverter.usage(r.usage())).setUnpricedCalls(r.unpricedCalls()));
            }
            return b.build();
        });
    }

    /**
     * How long QueryCost may wait for the cost index's start-up load: until the call's deadline,
     * so a client gets UNAVAILABLE from us rather than DEADLINE_EXCEEDED from nowhere.
     */
    private static Duration loadWait() {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? CostReports.DEFAULT_LOAD_WAIT
                : Duration.ofMillis(Math.max(0, deadline.timeRemaining(TimeUnit.MILLISECONDS) - 50));
    }

    /** The domain dimension, or null for UNSPECIFIED (and unknown numbers), which the domain rejects by position. */
    private static CostDimension dimension(dev.flightdeck.proto.v1.CostDimension d) {
        return switch (d) {
            case COST_DIMENSION_TENANT -> CostDimension.TENANT;
            case COST_DIMENSION_BUNDLE -> CostDimension.BUNDLE;
            case COST_DIMENSION_BUNDLE_VERSION -> CostDimension.BUNDLE_VERSION;
            case COST_DIMENSION_PROVIDER -> CostDimension.PROVIDER;
            case COST_DIMENSION_MODEL -> CostDimension.MODEL;
            case COST_DIMENSION_DAY -> CostDimension.DAY;
            case COST_DIMENSION_HOUR -> CostDimension.HOUR;
            default -> null;
        };
    }

    private static Instant instant(boolean present, Timestamp t, String field) {
        if (!present) {
            return null;
        }
        try {
            if (t.getNanos() < 0 || t.getNanos() > 999_999_999) {
                throw new DateTimeException("nanos out of range");
            }
            return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
        } catch (DateTimeException e) {
            throw new InvalidArgumentException(field + ": not a valid timestamp (seconds " + t.getSeconds()
                    + ", nanos " + t.getNanos() + ")");
        }
    }

    private static dev.flightdeck.daemon.cost.CostFilter filter(CostFilter f) {
        return new dev.flightdeck.daemon.cost.CostFilter(TenantFilters.of(f.getTenantsList()), f.getBundleNamesList(),
                f.getBundleVersionsList(), f.getProvidersList(), f.getModelsList());
    }

    private static dev.flightdeck.proto.v1.CostGroup group(CostGroup g) {
        dev.flightdeck.proto.v1.CostGroup.Builder b = dev.flightdeck.proto.v1.CostGroup.newBuilder()
                .addAllKeys(g.keys()).setRuns(g.runs()).setCalls(g.calls()).setUsage(ProtoConverter.usage(g.usage()))
                .setUnpricedCalls(g.unpricedCalls()).setLatencyP50Ms(g.latencyP50Ms())
                .setLatencyP95Ms(g.latencyP95Ms()).setLatencyP99Ms(g.latencyP99Ms());
        if (g.bucketStart() != null) {
            b.setBucketStart(ProtoConverter.timestamp(g.bucketStart()));
        }
        return b.build();
    }
}
