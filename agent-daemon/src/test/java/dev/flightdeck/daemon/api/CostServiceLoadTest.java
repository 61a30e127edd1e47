package dev.flightdeck.daemon.api;

import com.google.protobuf.Timestamp;
import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.engine.CostReports;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.store.CostRepository;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.testing.Answers;
import dev.flightdeck.proto.v1.CostServiceGrpc;
import dev.flightdeck.proto.v1.QueryCostRequest;
import dev.flightdeck.proto.v1.QueryCostResponse;
import dev.flightdeck.proto.v1.TopRunsRequest;
import dev.flightdeck.proto.v1.TopRunsResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CostService while the cost index is still loading at start, over the in-process transport with
 * ONE rpc thread: a query waits for the load without holding that thread, is answered once the
 * index is ready, and gets UNAVAILABLE saying how far the load got when its deadline comes first.
 */
class CostServiceLoadTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private static final int LOADED_BEFORE_THE_PAUSE = 20_000;
    private static final int EXPECTED = 40_000;

    @TempDir
    Path dir;
    private Database db;
    private final CostIndex index = new CostIndex();
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch resume = new CountDownLatch(1);
    private final ExecutorService loader = Executors.newSingleThreadExecutor();
    private final ExecutorService rpc = Executors.newSingleThreadExecutor();
    private Server server;
    private ManagedChannel channel;
    private CostServiceGrpc.CostServiceBlockingStub costs;

    @BeforeEach
    void start() throws IOException, InterruptedException {
        db = Database.open(dir.resolve("db"));
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).executor(rpc)
                .addService(new CostGrpcService(new CostReports(new CostRepository(db), index), rpc)).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        costs = CostServiceGrpc.newBlockingStub(channel);
        // The load reads 20,000 of its 40,000 calls, then stalls until the test lets it go on.
        loader.execute(() -> index.load(EXPECTED, sink -> {
            for (int i = 0; i < EXPECTED; i++) {
                if (i == LOADED_BEFORE_THE_PAUSE) {
                    paused.countDown();
                    awaitQuietly(resume);
                }
                sink.accept(new ModelCall("run-" + i, 1, "acme", "b", "v1", "openai", "gpt-4o", T0, 100,
                        new Usage(10, 0, 5, 0, 7, true)));
            }
        }));
        assertThat(paused.await(30, TimeUnit.SECONDS)).as("the load reached its pause").isTrue();
    }

    @AfterEach
    void stop() throws InterruptedException {
        resume.countDown();
        channel.shutdownNow();
        server.shutdownNow();
        loader.shutdown();
        loader.awaitTermination(30, TimeUnit.SECONDS);
        rpc.shutdownNow();
        db.close();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).build();
    }

    private static QueryCostRequest allOfThatDay() {
        return QueryCostRequest.newBuilder().setFrom(ts(T0.minusSeconds(3600))).setTo(ts(T0.plusSeconds(3600))).build();
    }

    @Test
    void queriesArrivingDuringTheLoadAreAnsweredOnceItEndsWithoutHoldingTheOnlyRpcThread() throws Exception {
        CostServiceGrpc.CostServiceStub async = CostServiceGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        CompletableFuture<QueryCostResponse> query = new CompletableFuture<>();
        CompletableFuture<TopRunsResponse> top = new CompletableFuture<>();
        async.queryCost(allOfThatDay(), Answers.into(query));
        async.topRuns(TopRunsRequest.newBuilder().setFrom(allOfThatDay().getFrom()).setTo(allOfThatDay().getTo())
                .setLimit(1).build(), Answers.into(top));

        // With both queries waiting, the one rpc thread still answers: bad input at once.
        assertThatThrownBy(() -> costs.withDeadlineAfter(5, TimeUnit.SECONDS)
                .queryCost(QueryCostRequest.newBuilder().setFrom(ts(T0)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("to: required (end of the range, exclusive)");
                });
        assertThat(query).as("waiting for the load").isNotDone();
        assertThat(top).as("waiting for the load").isNotDone();

        resume.countDown();
        QueryCostResponse report = query.get(30, TimeUnit.SECONDS);
        assertThat(report.getTotal().getCalls()).as("every call, not part of them").isEqualTo(EXPECTED);
        assertThat(report.getTotal().getUsage().getCostMicros()).isEqualTo(7L * EXPECTED);
        assertThat(top.get(30, TimeUnit.SECONDS).getRunsCount())
                .as("the index ranked the runs; none has a row in this empty database").isZero();
    }

    @Test
    void aQueryWhoseDeadlineComesBeforeTheLoadEndsGetsUnavailableSayingHowFarTheLoadGot() {
        assertThatThrownBy(() -> costs.withDeadlineAfter(500, TimeUnit.MILLISECONDS).queryCost(allOfThatDay()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).as(e.getStatus().toString())
                            .isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription())
                            .matches("the cost index is still loading \\(\\d+ of 40000 calls\\); try again");
                    // What the console's client makes of it: a running daemon to ask again, not a lost one.
                    assertThat(new dev.flightdeck.client.DaemonCallException(e.getStatus().getCode().name(),
                            e.getStatus().getDescription(), e).isCostIndexLoading()).isTrue();
                });
        assertThat(dev.flightdeck.daemon.cost.CostIndex.LOADING)
                .as("the daemon's phrase is the one clients look for")
                .isEqualTo(dev.flightdeck.client.DaemonCallException.COST_INDEX_LOADING);

        resume.countDown();
        assertThat(costs.withDeadlineAfter(30, TimeUnit.SECONDS).queryCost(allOfThatDay()).getTotal().getCalls())
                .as("once loaded, the same query is answered").isEqualTo(EXPECTED);
    }
}
