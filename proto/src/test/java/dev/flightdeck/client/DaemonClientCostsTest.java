package dev.flightdeck.client;

import com.google.protobuf.Timestamp;
import dev.flightdeck.proto.v1.CostGroup;
import dev.flightdeck.proto.v1.CostServiceGrpc;
import dev.flightdeck.proto.v1.CostlyRun;
import dev.flightdeck.proto.v1.ModelResponded;
import dev.flightdeck.proto.v1.QueryCostRequest;
import dev.flightdeck.proto.v1.QueryCostResponse;
import dev.flightdeck.proto.v1.RunEvent;
import dev.flightdeck.proto.v1.RunStatus;
import dev.flightdeck.proto.v1.TopRunsRequest;
import dev.flightdeck.proto.v1.TopRunsResponse;
import dev.flightdeck.proto.v1.Usage;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's cost calls against an in-process CostService: what goes out, what comes back. */
class DaemonClientCostsTest {
    private static final Instant FROM = Instant.parse("2026-11-20T00:00:00Z");
    private static final Instant TO = Instant.parse("2026-11-21T00:00:00Z");

    private final List<QueryCostRequest> queries = new CopyOnWriteArrayList<>();
    private final List<TopRunsRequest> topRequests = new CopyOnWriteArrayList<>();
    private final List<Long> deadlinesMs = new CopyOnWriteArrayList<>();
    private volatile QueryCostResponse queryAnswer = QueryCostResponse.getDefaultInstance();
    private volatile Status failure;
    private Server server;
    private ManagedChannel channel;
    private DaemonClient client;

    @BeforeEach
    void setUp() throws Exception {
        String name = "costs-" + System.nanoTime();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new CostServiceGrpc.CostServiceImplBase() {
            @Override
            public void queryCost(QueryCostRequest request, StreamObserver<QueryCostResponse> out) {
                queries.add(request);
                deadlinesMs.add(Context.current().getDeadline().timeRemaining(TimeUnit.MILLISECONDS));
                if (failure != null) {
                    out.onError(failure.asRuntimeException());
                    return;
                }
                out.onNext(queryAnswer);
                out.onCompleted();
            }

            @Override
            public void topRuns(TopRunsRequest request, StreamObserver<TopRunsResponse> out) {
                topRequests.add(request);
                deadlinesMs.add(Context.current().getDeadline().timeRemaining(TimeUnit.MILLISECONDS));
                out.onNext(TopRunsResponse.newBuilder().addRuns(CostlyRun.newBuilder().setRunId("run-7")
                        .setTenant("acme").setBundleName("support-refund").setBundleVersion("abc123")
                        .setStatus(RunStatus.RUN_STATUS_SUCCEEDED).setCreatedAt(ts(FROM)).setCalls(3)
                        .setUsage(Usage.newBuilder().setInputTokens(100).setOutputTokens(20).setCostMicros(4_000)
                                .setPriced(false))
                        .setUnpricedCalls(1)).build());
                out.onCompleted();
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        client = DaemonClient.over(channel, "t");
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void queryCostSendsRangeDimensionsFilterAndLimitWithADeadline() {
        client.queryCost(new CostQuery(FROM, TO, List.of(CostDimension.HOUR, CostDimension.MODEL),
                new CostFilter(List.of("acme"), List.of("support-refund"), List.of(), List.of("openai"),
                        List.of("gpt-4o-mini")), 500));

        QueryCostRequest sent = queries.get(0);
        assertThat(sent.getFrom()).isEqualTo(ts(FROM));
        assertThat(sent.getTo()).isEqualTo(ts(TO));
        assertThat(sent.getGroupByList()).containsExactly(dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_HOUR,
                dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_MODEL);
        assertThat(sent.getFilter().getTenantsList()).containsExactly("acme");
        assertThat(sent.getFilter().getBundleNamesList()).containsExactly("support-refund");
        assertThat(sent.getFilter().getProvidersList()).containsExactly("openai");
        assertThat(sent.getFilter().getModelsList()).containsExactly("gpt-4o-mini");
        assertThat(sent.getLimit()).isEqualTo(500);
        assertThat(deadlinesMs.get(0)).isPositive().isLessThanOrEqualTo(DaemonClient.DEFAULT_DEADLINE.toMillis());
    }

    @Test
    void everyDimensionMapsToTheContractsEnumOfTheSameName() {
        for (CostDimension d : CostDimension.values()) {
            assertThat(ProtoMapping.dimension(d).name()).isEqualTo("COST_DIMENSION_" + d.name());
        }
    }

    @Test
    void queryCostMapsGroupsTotalsUnpricedAndLatency() {
        queryAnswer = QueryCostResponse.newBuilder()
                .addGroups(CostGroup.newBuilder().addKeys("2026-11-20T10:00Z").addKeys("openai/gpt-4o")
                        .setBucketStart(ts(Instant.parse("2026-11-20T10:00:00Z"))).setRuns(2).setCalls(5)
                        .setUsage(Usage.newBuilder().setInputTokens(1000).setCachedInputTokens(200)
                                .setCacheWriteTokens(50).setOutputTokens(300).setCostMicros(1_234_567).setPriced(true))
                        .setLatencyP50Ms(400).setLatencyP95Ms(900).setLatencyP99Ms(1200))
                .addGroups(CostGroup.newBuilder().addKeys("2026-11-20T10:00Z").addKeys("local/llama")
                        .setBucketStart(ts(Instant.parse("2026-11-20T10:00:00Z"))).setRuns(1).setCalls(2)
                        .setUsage(Usage.newBuilder().setInputTokens(10).setPriced(false)).setUnpricedCalls(2))
                .setTotal(CostGroup.newBuilder().setRuns(3).setCalls(7).setUsage(Usage.newBuilder()
                        .setCostMicros(1_234_567).setPriced(false)).setUnpricedCalls(2).setLatencyP95Ms(900))
                .setTruncated(true).build();

        CostReport report = client.queryCost(new CostQuery(FROM, TO, List.of(CostDimension.HOUR, CostDimension.MODEL),
                CostFilter.ALL));

        assertThat(report.truncated()).isTrue();
        assertThat(report.groups()).hasSize(2);
        CostGroupInfo first = report.groups().get(0);
        assertThat(first.keys()).containsExactly("2026-11-20T10:00Z", "openai/gpt-4o");
        assertThat(first.bucketStart()).isEqualTo(Instant.parse("2026-11-20T10:00:00Z"));
        assertThat(first.usage()).isEqualTo(new UsageInfo(1000, 200, 300, 0, 1_234_567, true, 50));
        assertThat(first.usage().promptTokens()).isEqualTo(1250);
        assertThat(first.latencyP99Ms()).isEqualTo(1200);
        assertThat(report.groups().get(1).usage().priced()).isFalse();
        assertThat(report.groups().get(1).unpricedCalls()).isEqualTo(2);
        assertThat(report.total().keys()).isEmpty();
        assertThat(report.total().bucketStart()).isNull();
        assertThat(report.total().calls()).isEqualTo(7);
        assertThat(report.total().usage().priced()).isFalse();
    }

    @Test
    void topRunsSendsTheRangeAndMapsRunsWithTheirUnpricedCalls() {
        List<CostlyRunInfo> runs = client.topRuns(FROM, TO, new CostFilter(List.of("acme"), null, null, null, null), 50);

        assertThat(topRequests.get(0).getLimit()).isEqualTo(50);
        assertThat(topRequests.get(0).getFilter().getTenantsList()).containsExactly("acme");
        assertThat(topRequests.get(0).getFrom()).isEqualTo(ts(FROM));
        assertThat(deadlinesMs).hasSize(1);
        assertThat(runs).containsExactly(new CostlyRunInfo("run-7", "acme", "support-refund", "abc123",
                RunState.SUCCEEDED, FROM, 3, new UsageInfo(100, 0, 20, 0, 4_000, false, 0), 1));
    }

    @Test
    void aRefusedRangeArrivesWithTheDaemonsMessage() {
        failure = Status.INVALID_ARGUMENT.withDescription("to: must be after from");

        assertThatThrownBy(() -> client.queryCost(new CostQuery(TO, FROM, List.of(), CostFilter.ALL)))
                .isInstanceOf(DaemonCallException.class).hasMessageContaining("to: must be after from")
                .satisfies(e -> assertThat(((DaemonCallException) e).code()).isEqualTo("INVALID_ARGUMENT"));
    }

    @Test
    void aModelRespondedEventCarriesItsTokensCostAndLatency() {
        RunEvent e = RunEvent.newBuilder().setRunId("r").setSequence(3).setModelResponded(ModelResponded.newBuilder()
                .setProvider("anthropic").setModel("claude").setLatencyMs(850).setUsage(Usage.newBuilder()
                        .setInputTokens(120).setCacheWriteTokens(30).setOutputTokens(40).setCostMicros(2_100)
                        .setPriced(true))).build();

        RunEventInfo info = ProtoMapping.event(e);

        assertThat(info.modelCall()).isEqualTo(new ModelCallInfo("anthropic", "claude",
                new UsageInfo(120, 0, 40, 0, 2_100, true, 30), 850));
        assertThat(ProtoMapping.event(RunEvent.newBuilder().setRunId("r").setSequence(1).build()).modelCall()).isNull();
    }

    @Test
    void aRunWithoutUsageYetHasNoUnpricedCalls() {
        RunInfo fresh = ProtoMapping.run(dev.flightdeck.proto.v1.Run.newBuilder().setRunId("r")
                .setStatus(RunStatus.RUN_STATUS_QUEUED).build());

        assertThat(fresh.usage()).isEqualTo(UsageInfo.NONE);
        assertThat(fresh.usage().priced()).isTrue();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
