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
import dev.flightdeck.daemon.engine.CallerWait;
import dev.flightdeck.daemon.error.CancelledException;
import dev.flightdeck.daemon.error.UnavailableException;
import io.grpc.stub.StreamObserver;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** CostService: spend, tokens and latency of model calls, grouped; the most expensive runs. */
public final class CostGrpcService extends CostServiceGrpc.CostServiceImplBase {
    private final CostReports reports;
    private final Executor executor;
    private final StatusMapper errors = new StatusMapper();
    private final Unary unary = new Unary(errors);

    /** @param executor runs the queries that waited for the cost index's start-up load (the rpc executor) */
    public CostGrpcService(CostReports reports, Executor executor) {
        this.reports = reports;
        this.executor = executor;
    }

    @Override
    public void queryCost(QueryCostRequest request, StreamObserver<QueryCostResponse> observer) {
        answerOnceLoaded(observer, () -> {
            List<CostDimension> groupBy = new ArrayList<>();
            request.getGroupByList().forEach(d -> groupBy.add(dimension(d)));
            CostReport report = reports.query(instant(request.hasFrom(), request.getFrom(), "from"),
                    instant(request.hasTo(), request.getTo(), "to"), groupBy, filter(request.getFilter()),
                    request.getLimit(), Duration.ZERO);
            QueryCostResponse.Builder b = QueryCostResponse.newBuilder().setTotal(group(report.total()))
                    .setTruncated(report.truncated());
            report.groups().forEach(g -> b.addGroups(group(g)));
            return b.build();
        });
    }

    @Override
    public void topRuns(TopRunsRequest request, StreamObserver<TopRunsResponse> observer) {
        answerOnceLoaded(observer, () -> {
            List<CostlyRun> runs = reports.topRuns(instant(request.hasFrom(), request.getFrom(), "from"),
                    instant(request.hasTo(), request.getTo(), "to"), filter(request.getFilter()), request.getLimit(),
                    Duration.ZERO);
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
     * Answers with {@code body}'s result (which asks the cost index with no wait). While the index
     * is still loading at start, no thread waits for it: {@code body} runs again on the executor
     * once the load has finished, unless the call's deadline (less {@link Unary#deadlineMargin})
     * or {@link CostReports#DEFAULT_LOAD_WAIT} comes first: then UNAVAILABLE "the cost index is
     * still loading (N of M calls); try again". One answer whichever comes first. Bad input is
     * refused at once: {@code body} checks the request before it needs the index.
     */
    private <T> void answerOnceLoaded(StreamObserver<T> observer, Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (UnavailableException e) {
            // Still loading (or the load failed, which the next attempt reports at once).
            unary.answerLater(observer, caller -> whenLoaded(caller, body));
            return;
        } catch (RuntimeException e) {
            observer.onError(errors.toStatus(e));
            return;
        }
        observer.onNext(result);
        observer.onCompleted();
    }

    private <T> CompletableFuture<T> whenLoaded(CallerWait caller, Supplier<T> body) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        reports.loaded().whenComplete((ignored, never) -> {
            try {
                executor.execute(() -> {
                    if (answer.isDone()) {
                        return; // refused meanwhile: the client has its answer
                    }
                    try {
                        answer.complete(body.get());
                    } catch (RuntimeException e) {
                        answer.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                answer.completeExceptionally(new UnavailableException("the daemon is too busy or stopping; try again"));
            }
        });
        CompletableFuture.delayedExecutor(caller.atMost(CostReports.DEFAULT_LOAD_WAIT).toNanos(), TimeUnit.NANOSECONDS)
                .execute(() -> answer.completeExceptionally(reports.stillLoading()));
        caller.onLeave(() -> answer.completeExceptionally(new CancelledException(
                "the call was cancelled, or its deadline passed, while the cost index was loading")));
        return answer;
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
