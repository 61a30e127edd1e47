package dev.flightdeck.daemon.app;

import com.google.protobuf.Timestamp;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.daemon.testing.DaemonProcesses;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import dev.flightdeck.proto.v1.CostDimension;
import dev.flightdeck.proto.v1.CostGroup;
import dev.flightdeck.proto.v1.CostServiceGrpc;
import dev.flightdeck.proto.v1.CostlyRun;
import dev.flightdeck.proto.v1.QueryCostRequest;
import dev.flightdeck.proto.v1.QueryCostResponse;
import dev.flightdeck.proto.v1.RunStatus;
import dev.flightdeck.proto.v1.TopRunsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real daemon process, priced by a user pricing.yaml, runs scripted bundles; CostService over
 * TCP (the generated stubs, as any gRPC client would) then sees their calls, and TopRuns ranks them.
 */
class CostsEndToEndTest {
    @TempDir
    Path dataDir;
    private DaemonProcesses daemons;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (daemons != null) {
            daemons.close();
        }
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    @Test
    void scriptedRunsCallsAppearInQueryCostAndTopRunsOverTcp() throws Exception {
        // scripted/test-1 at $1 per million input and $2 per million output tokens, from 2020 on.
        Files.writeString(dataDir.resolve("pricing.yaml"), """
                prices:
                  - {provider: scripted, model: test-1, effective_from: 2020-01-01,
                     input_per_million_usd: 1, output_per_million_usd: 2}
                """);
        daemons = new DaemonProcesses(dataDir);
        DaemonEndpoint endpoint = daemons.startServing().endpoint();

        RunInfo small;
        RunInfo large;
        try (DaemonClient client = DaemonClient.connect(endpoint)) {
            client.pushBundle(TestBundles.scripted("e2e-cost", 5, "allow",
                    TestBundles.lookupTurn("A-1", 5) + TestBundles.textTurn("done", 5)));
            String one = client.startRun("e2e-cost", "look up A-1", "acme", "").run().runId();
            String two = client.startRun("e2e-cost", "look up A-1 and be thorough about it, please", "globex", "")
                    .run().runId();
            InProcessDaemon.watchToEnd(client, one, 0, Duration.ofSeconds(30));
            InProcessDaemon.watchToEnd(client, two, 0, Duration.ofSeconds(30));
            small = client.getRun(one);
            large = client.getRun(two);
        }
        Instant now = Instant.now();

        channel = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port()).usePlaintext().build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + endpoint.token());
        var costs = CostServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(30, TimeUnit.SECONDS);

        QueryCostResponse byTenant = costs.queryCost(QueryCostRequest.newBuilder().setFrom(ts(now.minusSeconds(3600)))
                .setTo(ts(now.plusSeconds(60))).addGroupBy(CostDimension.COST_DIMENSION_DAY)
                .addGroupBy(CostDimension.COST_DIMENSION_TENANT).build());

        String today = LocalDate.now(ZoneOffset.UTC).toString();
        assertThat(byTenant.getGroupsList()).extracting(g -> List.copyOf(g.getKeysList()))
                .containsExactly(List.of(today, "acme"), List.of(today, "globex"));
        CostGroup acme = byTenant.getGroups(0);
        assertThat(acme.getCalls()).isEqualTo(2);
        assertThat(acme.getRuns()).isEqualTo(1);
        assertThat(acme.getUnpricedCalls()).isZero();
        assertThat(acme.getUsage().getPriced()).isTrue();
        assertThat(acme.getUsage().getInputTokens()).isEqualTo(small.usage().inputTokens());
        assertThat(acme.getUsage().getCostMicros()).isEqualTo(small.usage().costMicros()).isPositive();
        assertThat(acme.getBucketStart().getSeconds() % 86_400).isZero();
        assertThat(byTenant.getTotal().getCalls()).isEqualTo(4);
        assertThat(byTenant.getTotal().getUsage().getCostMicros())
                .isEqualTo(small.usage().costMicros() + large.usage().costMicros());

        List<CostlyRun> top = costs.topRuns(TopRunsRequest.newBuilder().setFrom(ts(now.minusSeconds(3600)))
                .setTo(ts(now.plusSeconds(60))).build()).getRunsList();
        assertThat(top).extracting(CostlyRun::getRunId).containsExactly(large.runId(), small.runId());
        assertThat(top.get(0).getTenant()).isEqualTo("globex");
        assertThat(top.get(0).getStatus()).isEqualTo(RunStatus.RUN_STATUS_SUCCEEDED);
        assertThat(top.get(0).getCalls()).isEqualTo(2);
        assertThat(top.get(0).getBundleName()).isEqualTo("e2e-cost");
    }
}
