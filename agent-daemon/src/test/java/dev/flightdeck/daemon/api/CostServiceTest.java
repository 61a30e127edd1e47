package dev.flightdeck.daemon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import dev.flightdeck.proto.v1.CostDimension;
import dev.flightdeck.proto.v1.CostFilter;
import dev.flightdeck.proto.v1.CostServiceGrpc;
import dev.flightdeck.proto.v1.QueryCostRequest;
import dev.flightdeck.proto.v1.QueryCostResponse;
import dev.flightdeck.proto.v1.TopRunsRequest;
import dev.flightdeck.proto.v1.TopRunsResponse;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CostService over the in-process transport: each validation rule, auth, and a scripted run's calls. */
class CostServiceTest {
    private static final Timestamp FROM = ts(Instant.parse("2026-01-01T00:00:00Z"));
    private static final Timestamp TO = ts(Instant.parse("2026-02-01T00:00:00Z"));

    @TempDir
    Path dir;
    private InProcessDaemon daemon;
    private CostServiceGrpc.CostServiceBlockingStub costs;

    @BeforeEach
    void start() {
        daemon = new InProcessDaemon(dir);
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + InProcessDaemon.TOKEN);
        costs = CostServiceGrpc.newBlockingStub(daemon.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    private static QueryCostRequest.Builder query() {
        return QueryCostRequest.newBuilder().setFrom(FROM).setTo(TO);
    }

    private static void assertInvalid(Executable call, String description) {
        assertThatThrownBy(call::execute).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo(description);
        });
    }

    @Test
    void queryCostRejectsAMissingOrEmptyOrTooLongRange() {
        assertInvalid(() -> costs.queryCost(QueryCostRequest.newBuilder().setTo(TO).build()),
                "from: required (start of the range, inclusive)");
        assertInvalid(() -> costs.queryCost(QueryCostRequest.newBuilder().setFrom(FROM).build()),
                "to: required (end of the range, exclusive)");
        assertInvalid(() -> costs.queryCost(query().setTo(FROM).build()),
                "to: must be after from, got from 2026-01-01T00:00:00Z and to 2026-01-01T00:00:00Z");
        assertInvalid(() -> costs.queryCost(query().setTo(ts(Instant.parse("2027-02-05T00:00:00.001Z"))).build()),
                "to: the range from 2026-01-01T00:00:00Z to 2027-02-05T00:00:00.001Z is longer than 400 days");
        assertInvalid(() -> costs.queryCost(query().setFrom(Timestamp.newBuilder().setNanos(-1)).build()),
                "from: not a valid timestamp (seconds 0, nanos -1)");
        // exactly 400 days is allowed
        assertThat(costs.queryCost(query().setTo(ts(Instant.parse("2027-02-05T00:00:00Z"))).build()).getTotal().getCalls())
                .isZero();
    }

    @Test
    void queryCostRejectsUnspecifiedRepeatedOrConflictingDimensionsAndLimitsOutOfRange() {
        assertInvalid(() -> costs.queryCost(query().addGroupBy(CostDimension.COST_DIMENSION_TENANT)
                        .addGroupBy(CostDimension.COST_DIMENSION_UNSPECIFIED).build()),
                "group_by[1]: unspecified; expected one of [TENANT, BUNDLE, BUNDLE_VERSION, PROVIDER, MODEL, DAY, HOUR]");
        assertInvalid(() -> costs.queryCost(query().addGroupByValue(42).build()),
                "group_by[0]: unspecified; expected one of [TENANT, BUNDLE, BUNDLE_VERSION, PROVIDER, MODEL, DAY, HOUR]");
        assertInvalid(() -> costs.queryCost(query().addGroupBy(CostDimension.COST_DIMENSION_MODEL)
                        .addGroupBy(CostDimension.COST_DIMENSION_DAY).addGroupBy(CostDimension.COST_DIMENSION_MODEL).build()),
                "group_by[2]: MODEL is repeated");
        assertInvalid(() -> costs.queryCost(query().addGroupBy(CostDimension.COST_DIMENSION_HOUR)
                        .addGroupBy(CostDimension.COST_DIMENSION_DAY).build()),
                "group_by: DAY and HOUR cannot both be asked for");
        assertInvalid(() -> costs.queryCost(query().setLimit(-1).build()),
                "limit: must be between 0 and 100000 (0: 10000), got -1");
        assertInvalid(() -> costs.queryCost(query().setLimit(100_001).build()),
                "limit: must be between 0 and 100000 (0: 10000), got 100001");
        assertThat(costs.queryCost(query().setLimit(100_000).build()).getTruncated()).isFalse();
    }

    @Test
    void queryCostRejectsTimestampsOutsideTheProtobufRangeAndBadFilterValues() {
        assertInvalid(() -> costs.queryCost(query().setFrom(Timestamp.newBuilder().setSeconds(9_000_000_000_000_000L))
                        .setTo(Timestamp.newBuilder().setSeconds(9_000_000_000_000_000L + 86_400)).build()),
                "from: " + Instant.ofEpochSecond(9_000_000_000_000_000L) + " is outside the years 0001 to 9999");
        assertInvalid(() -> costs.queryCost(query().setFilter(CostFilter.newBuilder().addTenants("acme").addTenants(" ")).build()),
                "filter.tenants[1]: empty");
        CostFilter.Builder many = CostFilter.newBuilder();
        for (int i = 0; i <= 1_000; i++) {
            many.addModels("m" + i);
        }
        assertInvalid(() -> costs.queryCost(query().setFilter(many).build()),
                "filter.models: at most 1000 values, got 1001");
        assertInvalid(() -> costs.topRuns(TopRunsRequest.newBuilder().setFrom(FROM).setTo(TO)
                        .setFilter(CostFilter.newBuilder().addBundleVersions("")).build()),
                "filter.bundle_versions[0]: empty");
    }

    @Test
    void topRunsRejectsABadRangeOrLimit() {
        assertInvalid(() -> costs.topRuns(TopRunsRequest.newBuilder().setTo(TO).build()),
                "from: required (start of the range, inclusive)");
        assertInvalid(() -> costs.topRuns(TopRunsRequest.newBuilder().setFrom(TO).setTo(FROM).build()),
                "to: must be after from, got from 2026-02-01T00:00:00Z and to 2026-01-01T00:00:00Z");
        assertInvalid(() -> costs.topRuns(TopRunsRequest.newBuilder().setFrom(FROM).setTo(TO).setLimit(501).build()),
                "limit: must be between 0 and 500 (0: 20), got 501");
        assertThat(costs.topRuns(TopRunsRequest.newBuilder().setFrom(FROM).setTo(TO).setLimit(500).build()).getRunsCount())
                .isZero();
    }

    @Test
    void costServiceNeedsTheBearerToken() {
        var noToken = CostServiceGrpc.newBlockingStub(daemon.channel());
        assertThatThrownBy(() -> noToken.queryCost(query().build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void aScriptedRunsCallsAreCountedOncePerModelCall() {
        daemon.client().pushBundle(TestBundles.scripted("costed", 5, "allow",
                TestBundles.lookupTurn("A-1", 5) + TestBundles.textTurn("done", 5)));
        String runId = daemon.client().startRun("costed", "look up A-1", "acme", "").run().runId();
        List<Long> latencies = daemon.watchToEnd(runId, 0, Duration.ofSeconds(30)).stream()
                .filter(e -> e.type().equals("model_responded")).map(CostServiceTest::latencyMs).sorted().toList();
        Instant now = Instant.now();

        QueryCostResponse r = costs.queryCost(QueryCostRequest.newBuilder().setFrom(ts(now.minusSeconds(3600)))
                .setTo(ts(now.plusSeconds(60))).addGroupBy(CostDimension.COST_DIMENSION_TENANT)
                .addGroupBy(CostDimension.COST_DIMENSION_MODEL).build());

        assertThat(r.getGroupsCount()).isEqualTo(1);
        assertThat(r.getGroups(0).getKeysList()).containsExactly("acme", "scripted/test-1");
        assertThat(r.getGroups(0).getCalls()).isEqualTo(2);
        assertThat(r.getGroups(0).getRuns()).isEqualTo(1);
        assertThat(r.getGroups(0).getUsage().getPriced()).isTrue();
        assertThat(r.getGroups(0).getUsage().getInputTokens())
                .isEqualTo(daemon.client().getRun(runId).usage().inputTokens());
        // two calls: p50 is the faster one (nearest rank 1), p95 and p99 the slower one
        assertThat(latencies).hasSize(2);
        assertThat(r.getGroups(0).getLatencyP50Ms()).isEqualTo(latencies.get(0));
        assertThat(r.getGroups(0).getLatencyP95Ms()).isEqualTo(latencies.get(1));
        assertThat(r.getGroups(0).getLatencyP99Ms()).isEqualTo(latencies.get(1));
    }

    @Test
    void aTenantFilterWithSurroundingSpacesCountsThatTenantsCalls() {
        daemon.client().pushBundle(TestBundles.scripted("costed", 5, "allow", TestBundles.textTurn("done", 5)));
        String runId = daemon.client().startRun("costed", "hi", "acme", "").run().runId();
        daemon.client().startRun("costed", "hi", "globex", "");
        daemon.watchToEnd(runId, 0, Duration.ofSeconds(30));
        Instant now = Instant.now();
        QueryCostRequest.Builder q = QueryCostRequest.newBuilder().setFrom(ts(now.minusSeconds(3600)))
                .setTo(ts(now.plusSeconds(60)));

        QueryCostResponse spaced = costs.queryCost(q.clone().setFilter(CostFilter.newBuilder().addTenants(" acme ")).build());
        TopRunsResponse top = costs.topRuns(TopRunsRequest.newBuilder().setFrom(q.getFrom()).setTo(q.getTo())
                .setFilter(CostFilter.newBuilder().addTenants("\tacme ")).build());

        assertThat(spaced.getTotal().getCalls()).isEqualTo(1);
        assertThat(spaced).isEqualTo(costs.queryCost(q.clone().setFilter(CostFilter.newBuilder().addTenants("acme")).build()));
        assertThat(top.getRunsList()).extracting(r -> r.getRunId()).containsExactly(runId);
    }

    @Test
    void aRestartedDaemonAnswersFromTheCallsInItsDatabase() {
        daemon.client().pushBundle(TestBundles.scripted("costed", 5, "allow",
                TestBundles.lookupTurn("A-1", 5) + TestBundles.textTurn("done", 5)));
        String runId = daemon.client().startRun("costed", "look up A-1", "acme", "").run().runId();
        daemon.watchToEnd(runId, 0, Duration.ofSeconds(30));
        Instant now = Instant.now();
        QueryCostRequest byModel = QueryCostRequest.newBuilder().setFrom(ts(now.minusSeconds(3600)))
                .setTo(ts(now.plusSeconds(60))).addGroupBy(CostDimension.COST_DIMENSION_MODEL).build();
        QueryCostResponse before = costs.queryCost(byModel);
        assertThat(before.getTotal().getCalls()).isEqualTo(2);

        daemon.close();
        start(); // a new daemon on the same data directory loads the calls at start

        assertThat(costs.withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS).queryCost(byModel))
                .isEqualTo(before);
    }

    private static long latencyMs(RunEventInfo e) {
        try {
            return new ObjectMapper().readTree(e.canonicalJson()).path("payload").path("latency_ms").asLong();
        } catch (java.io.IOException ex) {
            throw new AssertionError(ex);
        }
    }
}
