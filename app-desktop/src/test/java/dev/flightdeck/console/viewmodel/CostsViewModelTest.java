package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.CostDimension;
import dev.flightdeck.client.CostlyRunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.UsageInfo;
import dev.flightdeck.console.concurrent.InlineUiExecutor;
import dev.flightdeck.console.concurrent.UiExecutor;
import dev.flightdeck.console.testing.FakeCosts;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.testing.MutableClock;
import dev.flightdeck.proto.v1.QueryCostRequest;
import dev.flightdeck.proto.v1.RunStatus;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class CostsViewModelTest {
    private static final Instant NOW = Instant.parse("2026-11-21T12:30:00Z");

    private FakeDaemon daemon;
    private final InlineUiExecutor ui = new InlineUiExecutor();
    private final MutableClock clock = new MutableClock(NOW);
    private ConsoleViewModel console;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new FakeDaemon();
        console = new ConsoleViewModel(ui, daemon.locator(), UserPrompts.answering(false), clock,
                Duration.ofSeconds(10), false);
    }

    @AfterEach
    void tearDown() {
        console.close();
        daemon.close();
    }

    private CostsViewModel costs() {
        return console.costs();
    }

    private static FakeCosts.Call call(String run, String tenant, String model, Instant at, long costMicros,
                                       boolean priced, long latencyMs) {
        String[] pm = model.split("/", 2);
        return new FakeCosts.Call(run, tenant, "support-refund", "v1", RunStatus.RUN_STATUS_SUCCEEDED, pm[0], pm[1],
                at, 100, 20, costMicros, priced, latencyMs);
    }

    private void seedTwoHours() {
        Instant h10 = Instant.parse("2026-11-21T10:15:00Z");
        Instant h11 = Instant.parse("2026-11-21T11:40:00Z");
        daemon.costs.add(call("run-a", "acme", "openai/gpt-4o", h10, 30_000, true, 800));
        daemon.costs.add(call("run-a", "acme", "openai/gpt-4o-mini", h10, 1_000, true, 200));
        daemon.costs.add(call("run-b", "globex", "openai/gpt-4o", h11, 50_000, true, 1200));
        daemon.costs.add(call("run-c", "globex", "local/llama", h11, 0, false, 3000));
    }

    private static List<String> tenantsShown(CostsViewModel vm) {
        return vm.snapshotProperty().get().spendByTenant().stream().map(CostSnapshot.Bar::label).toList();
    }

    private List<QueryCostRequest> lastRefreshQueries() {
        List<QueryCostRequest> all = daemon.costs.queries;
        return all.subList(all.size() - 4, all.size());
    }

    @Test
    void rangesUpToTwoDaysAskForHourlyBucketsAndLongerOnesForDaily() {
        CostsViewModel vm = costs();
        vm.rangeProperty().set(CostsViewModel.Range.LAST_HOUR);
        assertThat(vm.request().from()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(vm.request().to()).isEqualTo(NOW);
        assertThat(vm.request().bucket()).isEqualTo(CostDimension.HOUR);
        vm.rangeProperty().set(CostsViewModel.Range.LAST_DAY);
        assertThat(vm.request().bucket()).isEqualTo(CostDimension.HOUR);
        vm.rangeProperty().set(CostsViewModel.Range.LAST_7_DAYS);
        assertThat(vm.request().bucket()).isEqualTo(CostDimension.DAY);
        vm.rangeProperty().set(CostsViewModel.Range.LAST_30_DAYS);
        assertThat(vm.request().from()).isEqualTo(NOW.minus(Duration.ofDays(30)));
        assertThat(vm.request().bucket()).isEqualTo(CostDimension.DAY);

        vm.rangeProperty().set(CostsViewModel.Range.CUSTOM);
        vm.customFromProperty().set(LocalDate.parse("2026-11-20"));
        vm.customToProperty().set(LocalDate.parse("2026-11-21"));
        assertThat(vm.request().from()).isEqualTo(Instant.parse("2026-11-20T00:00:00Z"));
        assertThat(vm.request().to()).isEqualTo(Instant.parse("2026-11-22T00:00:00Z"));
        assertThat(vm.request().bucket()).as("two whole days").isEqualTo(CostDimension.HOUR);
        vm.customFromProperty().set(LocalDate.parse("2026-11-19"));
        assertThat(vm.request().bucket()).as("three days").isEqualTo(CostDimension.DAY);
    }

    @Test
    void theQueriesOfARefreshGroupByBucketAndModelTenantAndVersion() {
        console.start(false);
        costs().rangeProperty().set(CostsViewModel.Range.LAST_7_DAYS);

        costs().setActive(true);

        assertThat(lastRefreshQueries()).extracting(q -> q.getGroupByList().stream().map(Enum::name).toList())
                .containsExactlyInAnyOrder(List.of("COST_DIMENSION_DAY", "COST_DIMENSION_MODEL"),
                        List.of("COST_DIMENSION_DAY"), List.of("COST_DIMENSION_TENANT"),
                        List.of("COST_DIMENSION_BUNDLE_VERSION"));
        assertThat(lastRefreshQueries()).extracting(q -> q.getFrom().getSeconds()).containsOnly(
                NOW.minus(Duration.ofDays(7)).getEpochSecond());
        assertThat(daemon.costs.topRunsRequests.get(0).getLimit()).isEqualTo(CostsViewModel.TOP_RUNS);
    }

    @Test
    void chosenFiltersReachEveryQueryAndTheModelSplitsIntoProviderAndId() {
        console.start(false);
        costs().setActive(true);
        costs().tenantProperty().set("acme");
        costs().bundleProperty().set("support-refund");
        costs().modelProperty().set("openrouter/meta-llama/llama-3.1-70b");

        for (QueryCostRequest q : lastRefreshQueries()) {
            assertThat(q.getFilter().getTenantsList()).containsExactly("acme");
            assertThat(q.getFilter().getBundleNamesList()).containsExactly("support-refund");
            assertThat(q.getFilter().getProvidersList()).containsExactly("openrouter");
            assertThat(q.getFilter().getModelsList()).containsExactly("meta-llama/llama-3.1-70b");
        }
        var top = daemon.costs.topRunsRequests.get(daemon.costs.topRunsRequests.size() - 1);
        assertThat(top.getFilter().getTenantsList()).containsExactly("acme");
    }

    @Test
    void showsSpendStackedByModelPerHourTotalsAndTheMostExpensiveRunsFirst() {
        seedTwoHours();
        console.start(false);
        costs().setActive(true);

        CostSnapshot s = costs().snapshotProperty().get();
        int h10 = s.buckets().indexOf(Instant.parse("2026-11-21T10:00:00Z"));
        int h11 = s.buckets().indexOf(Instant.parse("2026-11-21T11:00:00Z"));
        assertThat(s.buckets()).hasSize(25); // 12:00 yesterday .. 12:00 today, hourly
        assertThat(s.spendByModel()).extracting(CostSnapshot.Series::name)
                .as("a model without any price is not drawn as $0 spend")
                .containsExactly("openai/gpt-4o", "openai/gpt-4o-mini");
        assertThat(s.unpricedModels()).containsExactly("local/llama");
        assertThat(s.spendByModel().get(0).values()[h10]).isEqualTo(0.03);
        assertThat(s.spendByModel().get(0).values()[h11]).isEqualTo(0.05);
        assertThat(s.spendByModel().get(1).values()[h10]).isEqualTo(0.001);
        assertThat(s.tokens().get(0).values()[h11]).isEqualTo(200);
        assertThat(s.latency().get(1).values()).containsExactly(800, 3000);
        assertThat(s.spendByTenant()).extracting(CostSnapshot.Bar::label).containsExactly("globex", "acme");
        assertThat(s.spendByTenant().get(0).priced()).isFalse();

        assertThat(costs().spendProperty().get()).isEqualTo("$0.0810 + unpriced");
        assertThat(costs().unpricedProperty().get()).isEqualTo("1 call unpriced (not in the spend)");
        assertThat(costs().callsProperty().get()).isEqualTo("4");
        assertThat(costs().tokensProperty().get()).isEqualTo("480");
        assertThat(costs().p95Property().get()).isEqualTo("3.0 s");
        assertThat(costs().topRuns()).extracting(CostlyRunInfo::runId).containsExactly("run-b", "run-a", "run-c");
        assertThat(Formats.costSoFar(costs().topRuns().get(2).usage())).isEqualTo("unpriced");
    }

    @Test
    void filterChoicesComeFromTheDataAndStayWhenOneIsChosen() {
        seedTwoHours();
        console.start(false);
        costs().setActive(true);
        assertThat(costs().tenants()).containsExactly("acme", "globex");
        assertThat(costs().models()).containsExactly("local/llama", "openai/gpt-4o", "openai/gpt-4o-mini");
        assertThat(costs().bundles()).containsExactly("support-refund");

        costs().tenantProperty().set("acme");

        assertThat(tenantsShown(costs())).containsExactly("acme");
        assertThat(costs().tenants()).containsExactly("acme", "globex");
    }

    @Test
    void aTenantTypedWithSpacesIsAskedTrimmedAndABlankOneFiltersNothing() {
        seedTwoHours();
        console.start(false);
        costs().setActive(true);

        costs().tenantProperty().set("  acme ");

        for (QueryCostRequest q : lastRefreshQueries()) {
            assertThat(q.getFilter().getTenantsList()).containsExactly("acme");
        }
        assertThat(tenantsShown(costs())).containsExactly("acme");
        assertThat(costs().tenants()).as("no second, spaced acme among the choices").containsExactly("acme", "globex");

        costs().tenantProperty().set("   ");

        for (QueryCostRequest q : lastRefreshQueries()) {
            assertThat(q.getFilter().getTenantsList()).isEmpty();
        }
        assertThat(tenantsShown(costs())).containsExactly("globex", "acme");
    }

    @Test
    void refreshesEveryFewSecondsWhileShownAndStopsWhenHidden() {
        console.start(false);
        costs().setActive(true);
        assertThat(daemon.costs.topRunsRequests).hasSize(1);
        assertThat(ui.scheduledCount()).isEqualTo(1);

        ui.runScheduled();
        assertThat(daemon.costs.topRunsRequests).hasSize(2);

        costs().setActive(false);
        assertThat(ui.scheduledCount()).isZero();
        ui.runScheduled();
        assertThat(daemon.costs.topRunsRequests).hasSize(2);
    }

    @Test
    void aBurstOfRunChangesRefreshesOnceAfterTheDebounce() {
        console.start(false);
        costs().setActive(true);
        costs().setActive(false);
        daemon.updateRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, NOW, 1));
        assertThat(ui.scheduledCount()).as("hidden: run changes are ignored").isZero();

        costs().setActive(true);
        int before = daemon.costs.topRunsRequests.size();
        assertThat(ui.scheduledCount()).as("the periodic refresh").isEqualTo(1);
        daemon.updateRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, NOW, 2));
        daemon.updateRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, NOW, 3));
        daemon.updateRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_SUCCEEDED, NOW, 4));
        assertThat(ui.scheduledCount()).as("the periodic refresh and one debounce for the burst").isEqualTo(2);
        assertThat(daemon.costs.topRunsRequests).as("nothing asked before the debounce ends").hasSize(before);

        ui.runScheduled(); // both are due: whichever fires first refreshes, the other is called off

        assertThat(daemon.costs.topRunsRequests).hasSize(before + 1);
        assertThat(ui.scheduledCount()).as("one periodic refresh pending again").isEqualTo(1);
    }

    @Test
    void aBackwardsOrTooLongCustomRangeIsExplainedOnTheScreenAndNotAsked() {
        console.start(false);
        costs().rangeProperty().set(CostsViewModel.Range.CUSTOM);
        costs().customFromProperty().set(LocalDate.parse("2026-11-21"));
        costs().customToProperty().set(LocalDate.parse("2026-11-20"));
        int asked = daemon.costs.topRunsRequests.size();

        costs().setActive(true);

        assertThat(costs().errorProperty().get())
                .isEqualTo("Pick a custom range of 1 to 400 days whose last day is not before its first day");
        assertThat(daemon.costs.topRunsRequests).as("nothing asked for a backwards range").hasSize(asked);
        // 401 days (year 1 to 9999 would freeze the charts with millions of daily points)
        costs().customToProperty().set(LocalDate.parse("2026-11-21"));
        costs().customFromProperty().set(LocalDate.parse("2025-10-17"));
        assertThat(costs().request()).isNull();
        int before = daemon.costs.topRunsRequests.size();
        costs().refresh();
        assertThat(costs().errorProperty().get()).startsWith("Pick a custom range of 1 to 400 days");
        assertThat(daemon.costs.topRunsRequests).as("nothing asked for a range over 400 days").hasSize(before);
        costs().customFromProperty().set(LocalDate.parse("2025-10-18"));
        assertThat(costs().request()).as("exactly 400 days").isNotNull();
    }

    @Test
    void aFailedQueryIsShownOnTheScreenAndClearsOnTheNextGoodAnswer() {
        console.start(false);
        daemon.costs.fail = Status.INVALID_ARGUMENT.withDescription("to: the range is longer than 400 days");

        costs().setActive(true);

        assertThat(costs().errorProperty().get())
                .isEqualTo("Cannot load costs: to: the range is longer than 400 days");
        assertThat(console.notifications().notices()).as("said once, in the screen").isEmpty();
        ui.runScheduled();
        assertThat(costs().errorProperty().get()).as("still failing").startsWith("Cannot load costs:");

        daemon.costs.fail = null;
        ui.runScheduled();
        assertThat(costs().errorProperty().get()).isEmpty();
    }

    @Test
    void aFailureAfterTheStillLoadingNoticeReplacesIt() {
        console.start(false);
        daemon.costs.fail = Status.UNAVAILABLE.withDescription(
                "the cost index is still loading (1 of 2 calls); try again");
        costs().setActive(true);
        assertThat(costs().noticeProperty().get()).startsWith("The daemon is still loading its costs");

        daemon.costs.fail = Status.PERMISSION_DENIED.withDescription("missing or wrong token");
        ui.runScheduled(); // the screen's next refresh

        assertThat(costs().noticeProperty().get()).as("only one box at a time").isEmpty();
        assertThat(costs().errorProperty().get()).isEqualTo("Cannot load costs: missing or wrong token");
    }

    @Test
    void aDaemonStillLoadingItsCostsIsWaitedForNotTakenForALostDaemon() {
        console.start(false);
        daemon.costs.fail = Status.UNAVAILABLE.withDescription(
                "the cost index is still loading (250000 of 1000000 calls); try again");

        costs().setActive(true);

        assertThat(costs().noticeProperty().get())
                .isEqualTo("The daemon is still loading its costs (250000 of 1000000 calls); asking again shortly");
        assertThat(costs().errorProperty().get()).as("a passing state, not a failure").isEmpty();
        assertThat(console.connection().getState()).as("still connected").isEqualTo(ConnectionViewModel.State.CONNECTED);

        daemon.costs.fail = null;
        ui.runScheduled(); // the screen's next refresh
        assertThat(costs().noticeProperty().get()).isEmpty();
        assertThat(costs().errorProperty().get()).isEmpty();
        assertThat(console.connection().getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
    }

    @Test
    void aDaemonWithoutTheCostServiceSaysSo() {
        console.start(false);
        daemon.costs.fail = Status.UNIMPLEMENTED.withDescription("Method not found: flightdeck.v1.CostService/QueryCost");

        costs().setActive(true);

        assertThat(costs().errorProperty().get()).contains("Method not found: flightdeck.v1.CostService/QueryCost");
    }

    /** A console whose background work waits for the test; connected, seeded, the Costs screen shown and its first refresh in flight. */
    private ConsoleViewModel shownWithDeferredWork(Deferred deferred) {
        ConsoleViewModel c = new ConsoleViewModel(deferred, daemon.locator(), UserPrompts.answering(false), clock,
                Duration.ofSeconds(10), false);
        seedTwoHours();
        c.start(false);
        deferred.completeUntilIdle(); // find the daemon, connect, list runs
        c.costs().setActive(true);
        return c;
    }

    @Test
    void aNewFilterIsAskedAtOnceAndTheOlderAnswerArrivingLaterNeverReplacesIt() {
        Deferred deferred = new Deferred();
        ConsoleViewModel c = shownWithDeferredWork(deferred);
        try {
            c.costs().tenantProperty().set("acme"); // while the first refresh is in flight

            assertThat(deferred.pending()).as("the acme refresh is asked at once, not after the old one").isEqualTo(2);
            deferred.completeLast(); // the acme answer
            assertThat(tenantsShown(c.costs())).containsExactly("acme");
            assertThat(c.costs().loadingProperty().get()).isFalse();

            deferred.completeAll(); // the unfiltered answer comes late
            assertThat(tenantsShown(c.costs())).as("the older answer never replaces the newer").containsExactly("acme");
            assertThat(c.costs().topRuns()).extracting(CostlyRunInfo::tenant).containsOnly("acme");
        } finally {
            c.close();
        }
    }

    @Test
    void aTimerTickDuringARefreshAsksAgainAfterItInsteadOfRacingIt() {
        Deferred deferred = new Deferred();
        ConsoleViewModel c = shownWithDeferredWork(deferred);
        try {
            c.costs().refresh(); // the Refresh button (or a burst of run changes) while the first is in flight

            assertThat(deferred.pending()).as("same question: no second refresh in flight").isEqualTo(1);
            deferred.completeAll(); // the first answer, then the second refresh is asked
            assertThat(c.costs().snapshotProperty().get()).isNotSameAs(CostSnapshot.EMPTY);
            assertThat(deferred.pending()).isEqualTo(1);
        } finally {
            c.close();
        }
    }

    @Test
    void theQueriesOfARefreshRunSideBySide() {
        seedTwoHours();
        console.start(false);
        // Each query is answered only once all five have arrived: one after another, the first would wait in vain.
        java.util.concurrent.CyclicBarrier allFive = new java.util.concurrent.CyclicBarrier(5);
        daemon.costs.beforeAnswer = () -> {
            try {
                allFive.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the five cost queries did not overlap", e);
            }
        };

        costs().setActive(true);

        assertThat(costs().errorProperty().get()).isEmpty();
        assertThat(costs().topRuns()).extracting(CostlyRunInfo::runId).containsExactly("run-b", "run-a", "run-c");
        assertThat(costs().spendProperty().get()).isEqualTo("$0.0810 + unpriced");
    }

    @Test
    void oneDeadlineCoversTheWholeRefresh() {
        seedTwoHours();
        console.start(false);
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        daemon.costs.beforeAnswer = () -> {
            try {
                never.await(); // a daemon that hangs on every cost query
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        costs().setQueryDeadline(Duration.ofMillis(300));
        try {
            long t0 = System.nanoTime();
            costs().setActive(true);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;

            assertThat(costs().errorProperty().get()).startsWith("Cannot load costs: ");
            assertThat(costs().loadingProperty().get()).isFalse();
            assertThat(tookMs).as("five queries, one deadline of 300 ms (not 5 × 300 ms)").isLessThan(1200);
        } finally {
            never.countDown();
        }
    }

    @Test
    void anInvalidCustomRangeClearsTheChartsTotalsAndRunsOfThePreviousOne() {
        seedTwoHours();
        console.start(false);
        costs().setActive(true);
        assertThat(costs().topRuns()).hasSize(3);

        costs().rangeProperty().set(CostsViewModel.Range.CUSTOM);
        costs().customFromProperty().set(LocalDate.parse("2026-11-21"));
        costs().customToProperty().set(LocalDate.parse("2026-11-20"));

        assertThat(costs().errorProperty().get()).startsWith("Pick a custom range");
        assertThat(costs().snapshotProperty().get()).as("no charts of the last-24-hours answer")
                .isSameAs(CostSnapshot.EMPTY);
        assertThat(costs().topRuns()).isEmpty();
        assertThat(costs().spendProperty().get()).isEqualTo("—");
        assertThat(costs().callsProperty().get()).isEqualTo("—");
        assertThat(costs().unpricedProperty().get()).isEmpty();
    }

    @Test
    void filterChoicesStartAfreshFromAnotherDaemonKeepingASelectionItStillHas() {
        seedTwoHours(); // acme, globex
        console.start(false);
        costs().setActive(true);
        costs().tenantProperty().set("globex");
        assertThat(costs().tenants()).containsExactly("acme", "globex");

        // Another daemon's data: acme and initech, no globex.
        daemon.costs.clear();
        daemon.costs.add(call("run-x", "acme", "anthropic/claude-haiku", Instant.parse("2026-11-21T11:10:00Z"),
                2_000, true, 300));
        daemon.costs.add(call("run-y", "initech", "anthropic/claude-haiku", Instant.parse("2026-11-21T11:20:00Z"),
                3_000, true, 400));
        console.connection().connectionLost(console.connection().getClient());

        assertThat(costs().tenantProperty().get()).as("globex is gone: the filter is let go").isNull();
        assertThat(costs().tenants()).containsExactly("acme", "initech");
        assertThat(costs().models()).containsExactly("anthropic/claude-haiku");
        assertThat(tenantsShown(costs())).containsExactly("initech", "acme");

        costs().tenantProperty().set("acme");
        console.connection().connectionLost(console.connection().getClient());

        assertThat(costs().tenantProperty().get()).as("acme is still there: kept").isEqualTo("acme");
        assertThat(tenantsShown(costs())).containsExactly("acme");
    }

    @Test
    void csvQuotesWhatNeedsItWritesExactDollarsAndMarksUnpricedRuns() throws Exception {
        StringBuilder out = new StringBuilder();
        CostsViewModel.writeCsv(List.of(
                new CostlyRunInfo("run-1", "acme, \"intl\"", "support-refund", "v1", RunState.SUCCEEDED,
                        Instant.parse("2026-11-21T10:00:00Z"), 3, new UsageInfo(100, 10, 20, 0, 1_234_567, true, 5), 0),
                new CostlyRunInfo("run-2", "multi\nline", "b", "v2", RunState.FAILED, null, 1,
                        new UsageInfo(7, 0, 3, 0, 100, false), 1)), out);

        String[] lines = out.toString().split("\r\n", -1);
        assertThat(lines[0]).isEqualTo("run_id,tenant,bundle,bundle_version,status,created_at,calls,input_tokens,"
                + "cached_input_tokens,cache_write_tokens,output_tokens,cost_usd,unpriced,unpriced_calls");
        assertThat(lines[1]).isEqualTo("run-1,\"acme, \"\"intl\"\"\",support-refund,v1,SUCCEEDED,2026-11-21T10:00:00Z,"
                + "3,100,10,5,20,1.234567,,0");
        assertThat(lines[2]).isEqualTo("run-2,\"multi\nline\",b,v2,FAILED,,1,7,0,0,3,,unpriced,1");
        assertThat(lines[3]).isEmpty();
    }

    @Test
    void exportWritesTheTableToTheChosenFile(@TempDir Path dir) throws Exception {
        seedTwoHours();
        console.start(false);
        costs().setActive(true);
        Path file = dir.resolve("top runs.csv");

        costs().exportTopRuns(file);

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).startsWith("run-b,globex,").contains(",0.050000,");
        assertThat(lines.get(3)).startsWith("run-c,").contains(",unpriced,1");
        assertThat(costs().exportStatusProperty().get()).isEqualTo("Exported 3 runs to top runs.csv");

        ui.runScheduled(); // the next periodic refresh
        assertThat(costs().exportStatusProperty().get()).as("a refresh does not replace the export's line")
                .isEqualTo("Exported 3 runs to top runs.csv");
        assertThat(costs().statusProperty().get()).startsWith("Updated ");
    }

    @Test
    void exportAddsCsvToAFileNameWithoutExtension(@TempDir Path dir) throws Exception {
        seedTwoHours();
        console.start(false);
        costs().setActive(true);

        costs().exportTopRuns(dir.resolve("top-runs"));

        assertThat(dir.resolve("top-runs.csv")).exists();
        assertThat(dir.resolve("top-runs")).doesNotExist();
        assertThat(costs().exportStatusProperty().get()).isEqualTo("Exported 3 runs to top-runs.csv");
        costs().exportTopRuns(dir.resolve("runs.txt"));
        assertThat(dir.resolve("runs.txt")).as("a chosen extension is kept").exists();
    }

    @Test
    void aFailedExportSaysSoBesideTheExportAndAGoodRefreshLeavesItThere(@TempDir Path dir) {
        seedTwoHours();
        console.start(false);
        costs().setActive(true);

        costs().exportTopRuns(dir.resolve("no-such-dir").resolve("top.csv"));

        assertThat(costs().exportErrorProperty().get()).startsWith("Cannot export to ").contains("top.csv");
        assertThat(costs().errorProperty().get()).as("the costs banner is about the data").isEmpty();
        ui.runScheduled();
        assertThat(costs().exportErrorProperty().get()).startsWith("Cannot export to ");
    }

    @Test
    void csvDefusesFormulasButKeepsNumbersNumeric() throws Exception {
        StringBuilder out = new StringBuilder();
        CostsViewModel.writeCsv(List.of(
                new CostlyRunInfo("run-1", "=HYPERLINK(\"http://x\",\"y\")", "+cmd", "@SUM(A1)", RunState.SUCCEEDED,
                        null, 3, new UsageInfo(100, 10, 20, 0, 1_234_567, true, 5), 0),
                new CostlyRunInfo("-2+3", "\tlead", "-", "v", RunState.FAILED, null, 1,
                        new UsageInfo(7, 0, 3, 0, 100, true), 0)), out);

        String[] lines = out.toString().split("\r\n", -1);
        assertThat(lines[1]).isEqualTo("run-1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+cmd,'@SUM(A1),SUCCEEDED,,"
                + "3,100,10,5,20,1.234567,,0");
        assertThat(lines[2]).isEqualTo("'-2+3,'\tlead,'-,v,FAILED,,1,7,0,0,3,0.000100,,0");
        assertThat(CsvWriter.field("-12")).as("a negative number stays a number").isEqualTo("-12");
        assertThat(CsvWriter.field("-0.500000")).isEqualTo("-0.500000");
        assertThat(CsvWriter.field("\rx")).isEqualTo("\"'\rx\"");
    }

    /** Holds background work until the test completes it, in submission order. */
    private static final class Deferred implements UiExecutor {
        private final List<Runnable> pending = new ArrayList<>();
        private final InlineUiExecutor timers = new InlineUiExecutor();

        @Override
        public <T> void submit(Callable<T> work, Consumer<? super T> onSuccess, Consumer<? super Throwable> onFailure) {
            pending.add(() -> new InlineUiExecutor().submit(work, onSuccess, onFailure));
        }

        @Override
        public void onUi(Runnable action) {
            action.run();
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable action) {
            return timers.schedule(delay, action);
        }

        int pending() {
            return pending.size();
        }

        void completeUntilIdle() {
            for (int round = 0; round < 10 && !pending.isEmpty(); round++) {
                completeAll();
            }
        }

        /** Completes the newest pending work only. */
        void completeLast() {
            pending.remove(pending.size() - 1).run();
        }

        void completeAll() {
            List<Runnable> now = new ArrayList<>(pending);
            pending.clear();
            now.forEach(Runnable::run);
        }
    }
}
