package dev.flightdeck.console.view;

import dev.flightdeck.client.CostlyRunInfo;
import dev.flightdeck.console.testing.FakeCosts;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.testing.FxWait;
import dev.flightdeck.console.testing.FakeDaemonConsole;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.proto.v1.RunStatus;
import javafx.scene.Node;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.xy.TableXYDataset;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.time.Instant;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.testfx.matcher.control.LabeledMatchers.hasText;

/** The Costs screen headless against the in-process test double with seeded model calls. */
@ExtendWith(ApplicationExtension.class)
class CostsScreenFakeDaemonTest {
    private FakeDaemon daemon;
    private FakeDaemonConsole window;
    private ConsoleViewModel console;

    @Start
    void start(Stage stage) throws Exception {
        daemon = new FakeDaemon();
        Instant now = Instant.now();
        daemon.putRun(FakeDaemon.run("run-big", RunStatus.RUN_STATUS_SUCCEEDED, now.minusSeconds(7200), 9));
        daemon.costs.add(call("run-big", "acme", "openai", "gpt-4o", now.minusSeconds(7200), 30_000, true, 900));
        daemon.costs.add(call("run-big", "acme", "openai", "gpt-4o", now.minusSeconds(7200), 30_000, true, 1100));
        daemon.costs.add(call("run-small", "globex", "anthropic", "claude-haiku", now.minusSeconds(3 * 3600), 10_000,
                true, 500));
        daemon.costs.add(call("run-local", "globex", "ollama", "llama3", now.minusSeconds(1800), 0, false, 4000));
        window = FakeDaemonConsole.open(stage, daemon);
        console = window.console();
    }

    @AfterEach
    void tearDown() {
        window.close();
    }

    private static FakeCosts.Call call(String run, String tenant, String provider, String model, Instant at,
                                       long costMicros, boolean priced, long latencyMs) {
        return new FakeCosts.Call(run, tenant, "support-refund", "3f2a9c1d0b7e", RunStatus.RUN_STATUS_SUCCEEDED,
                provider, model, at, 1000, 200, costMicros, priced, latencyMs);
    }

    /** Clicks the Costs tab once connected; returns its table once the three seeded runs are in it. */
    private static TableView<CostlyRunInfo> openCostsTab(FxRobot robot) throws TimeoutException {
        robot.clickOn(robot.lookup(".tab").nth(2).queryAs(Node.class)); // Runs, Approvals, Costs
        TableView<CostlyRunInfo> table = robot.lookup("#topRunsTable").queryTableView();
        FxWait.until(() -> table.getItems().size() == 3);
        return table;
    }

    /** Visible with all its ancestors. */
    private static boolean shown(Node n) {
        for (Node at = n; at != null; at = at.getParent()) {
            if (!at.isVisible()) {
                return false;
            }
        }
        return true;
    }

    private static double seriesSum(XYDataset d, int series) {
        double sum = 0;
        for (int i = 0; i < d.getItemCount(series); i++) {
            sum += d.getYValue(series, i);
        }
        return sum;
    }

    @Test
    void chartsAndTableShowTheSeededCallsAndADoubleClickOpensTheRun(FxRobot robot) throws Exception {
        TableView<CostlyRunInfo> table = openCostsTab(robot);

        assertThat(FxWait.onFx(() -> table.getItems().stream().map(CostlyRunInfo::runId).toList()))
                .containsExactly("run-big", "run-small", "run-local");
        assertThat(robot.lookup("#costSpend").queryLabeled().getText()).isEqualTo("$0.0700 + unpriced");
        assertThat(robot.lookup("#costCalls").queryLabeled().getText()).isEqualTo("4");
        assertThat(robot.lookup("#costUnpriced").queryLabeled().getText()).isEqualTo("1 call unpriced (not in the spend)");
        assertThat(FxWait.onFx(() -> robot.lookup("#topRunsTable .table-row-cell").nth(2).lookup(".table-cell").match(
                n -> n instanceof javafx.scene.control.Labeled l && "unpriced".equals(l.getText())).tryQuery()
                .isPresent())).as("the unpriced run's cost cell says unpriced").isTrue();

        FxWait.until(() -> robot.lookup("#versionChart").queryAs(ChartViewer.class).getChart().getCategoryPlot()
                .getDataset().getColumnCount() > 0); // the last chart drawn
        // Spend over time: one stacked layer per priced model; the unpriced one is named, not drawn as $0.
        TableXYDataset spend = FxWait.onFx(() -> (TableXYDataset) robot.lookup("#spendChart").queryAs(ChartViewer.class)
                .getChart().getXYPlot().getDataset());
        assertThat(FxWait.onFx(() -> java.util.stream.IntStream.range(0, spend.getSeriesCount())
                .mapToObj(i -> spend.getSeriesKey(i).toString()).toList()))
                .containsExactly("openai/gpt-4o", "anthropic/claude-haiku");
        assertThat(FxWait.onFx(() -> seriesSum(spend, 0))).isCloseTo(0.06, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(FxWait.onFx(() -> seriesSum(spend, 1))).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(FxWait.onFx(() -> robot.lookup("#spendChart").queryAs(ChartViewer.class).getChart().getSubtitles().stream()
                .filter(t -> t instanceof org.jfree.chart.title.TextTitle).map(t -> ((org.jfree.chart.title.TextTitle) t)
                        .getText()).toList())).containsExactly("Unpriced, not drawn: ollama/llama3");
        assertThat(FxWait.onFx(() -> (Integer) spend.getItemCount())).as("hourly buckets over the last 24 hours").isBetween(24, 25);

        CategoryDataset tenants = FxWait.onFx(() -> robot.lookup("#tenantChart").queryAs(ChartViewer.class).getChart()
                .getCategoryPlot().getDataset());
        assertThat(FxWait.onFx(() -> tenants.getColumnKeys().stream().map(Object::toString).toList()))
                .containsExactly("acme", "globex (+unpriced)");
        assertThat(FxWait.onFx(() -> tenants.getValue(0, 0).doubleValue())).isCloseTo(0.06, org.assertj.core.data.Offset.offset(1e-9));

        XYDataset latency = FxWait.onFx(() -> robot.lookup("#latencyChart").queryAs(ChartViewer.class).getChart()
                .getXYPlot().getDataset());
        assertThat(FxWait.onFx(() -> (Integer) latency.getSeriesCount())).isEqualTo(3);
        assertThat(FxWait.onFx(() -> (Integer) latency.getItemCount(0))).as("three hours had calls").isEqualTo(3);
        assertThat(FxWait.onFx(() -> java.util.stream.IntStream.range(0, 3).mapToDouble(i -> latency.getYValue(2, i)).max()
                .orElseThrow())).as("p99 of the hour with the unpriced call").isEqualTo(4000);

        robot.doubleClickOn(robot.lookup("#topRunsTable .table-row-cell").nth(0).queryAs(Node.class));

        FxWait.until(() -> console.openRuns().size() == 1);
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        FxWait.until(() -> "run-run-big".equals(tabs.getSelectionModel().getSelectedItem().getId()));
        FxWait.until(() -> robot.lookup("#runTitle").queryLabeled().getText().startsWith("support-refund"));
        assertThat(FxWait.onFx(() -> console.costs().isActive())).as("the Costs screen stops asking once hidden").isFalse();
    }

    @Test
    void choosingATenantNarrowsEverythingAndACustomRangeOffersDatePickers(FxRobot robot) throws Exception {
        TableView<CostlyRunInfo> table = openCostsTab(robot);

        robot.clickOn("#costTenant");
        robot.clickOn(robot.lookup(".combo-box-popup .list-cell").match(hasText("globex")).queryAs(Node.class));

        FxWait.until(() -> table.getItems().size() == 2);
        assertThat(FxWait.onFx(() -> table.getItems().stream().map(CostlyRunInfo::tenant).distinct().toList()))
                .containsExactly("globex");
        FxWait.until(() -> "$0.0100 + unpriced".equals(robot.lookup("#costSpend").queryLabeled().getText()));
        assertThat(daemon.costs.topRunsRequests.get(daemon.costs.topRunsRequests.size() - 1).getFilter()
                .getTenantsList()).containsExactly("globex");

        robot.clickOn("#costTenant");
        robot.clickOn(robot.lookup(".combo-box-popup .list-cell").match(hasText("All tenants")).queryAs(Node.class));
        FxWait.until(() -> table.getItems().size() == 3);

        assertThat(FxWait.onFx(() -> shown(robot.lookup("#costFrom").queryAs(Node.class)))).isFalse();
        robot.clickOn("#costRange");
        robot.clickOn(robot.lookup(".combo-box-popup .list-cell").match(hasText("Custom…")).queryAs(Node.class));
        FxWait.until(() -> shown(robot.lookup("#costFrom").queryAs(Node.class)));
        assertThat(FxWait.onFx(() -> console.costs().request().bucket())).as("the default custom range is 7 days")
                .isEqualTo(dev.flightdeck.client.CostDimension.DAY);
    }

    @Test
    void anInvalidCustomRangeEmptiesTheChartsAndTableUnderItsMessage(FxRobot robot) throws Exception {
        TableView<CostlyRunInfo> table = openCostsTab(robot);
        ChartViewer spendChart = robot.lookup("#spendChart").queryAs(ChartViewer.class);
        ChartViewer versionChart = robot.lookup("#versionChart").queryAs(ChartViewer.class);
        FxWait.until(() -> versionChart.getChart().getCategoryPlot().getDataset().getColumnCount() > 0);

        FxWait.onFx(() -> {
            console.costs().rangeProperty().set(dev.flightdeck.console.viewmodel.CostsViewModel.Range.CUSTOM);
            console.costs().customFromProperty().set(java.time.LocalDate.now(java.time.ZoneOffset.UTC));
            console.costs().customToProperty().set(java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(3));
            return null;
        });

        FxWait.until(() -> shown(robot.lookup("#costsError").queryAs(Node.class)));
        assertThat(FxWait.onFx(() -> console.costs().errorProperty().get())).startsWith("Pick a custom range");
        assertThat(FxWait.onFx(() -> table.getItems().size())).as("no runs of the previous range").isZero();
        assertThat(FxWait.onFx(() -> spendChart.getChart().getXYPlot().getDataset().getSeriesCount())).as("spend").isZero();
        assertThat(FxWait.onFx(() -> versionChart.getChart().getCategoryPlot().getDataset().getColumnCount()))
                .as("bundle versions").isZero();
        assertThat(FxWait.onFx(() -> spendChart.getChart().getXYPlot().getNoDataMessage())).isEqualTo("No range to show");
        assertThat(robot.lookup("#costSpend").queryLabeled().getText()).isEqualTo("—");
    }

    @Test
    void aDaemonStillLoadingItsCostsShowsANoticeNotTheErrorBoxUntilItAnswers(FxRobot robot) throws Exception {
        daemon.costs.fail = io.grpc.Status.UNAVAILABLE.withDescription(
                "the cost index is still loading (250000 of 1000000 calls); try again");
        robot.clickOn(robot.lookup(".tab").nth(2).queryAs(Node.class)); // Costs
        TableView<CostlyRunInfo> table = robot.lookup("#topRunsTable").queryTableView();

        FxWait.until(() -> shown(robot.lookup("#costsNotice").queryAs(Node.class)));
        assertThat(FxWait.onFx(() -> robot.lookup("#costsError").queryAs(Node.class).isVisible())).isFalse();
        assertThat(robot.lookup("#costsNotice").queryAs(atlantafx.base.controls.Message.class).getDescription())
                .isEqualTo("The daemon is still loading its costs (250000 of 1000000 calls); asking again shortly");
        ChartViewer spendChart = robot.lookup("#spendChart").queryAs(ChartViewer.class);
        assertThat(FxWait.onFx(() -> spendChart.getChart().getXYPlot().getNoDataMessage()))
                .isEqualTo("Waiting for the daemon's costs");

        daemon.costs.fail = null;
        FxWait.onFx(() -> {
            console.costs().refresh();
            return null;
        });
        FxWait.until(() -> table.getItems().size() == 3);
        assertThat(FxWait.onFx(() -> robot.lookup("#costsNotice").queryAs(Node.class).isVisible())).isFalse();
    }

    @Test
    void theExportLineStaysBesideTheButtonWhileTheDataRefreshes(FxRobot robot, @org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        openCostsTab(robot);
        String updated = robot.lookup("#costStatus").queryLabeled().getText();

        FxWait.onFx(() -> {
            console.costs().exportTopRuns(dir.resolve("costs"));
            return null;
        });
        FxWait.until(() -> shown(robot.lookup("#exportStatus").queryAs(Node.class)));
        assertThat(robot.lookup("#exportStatus").queryLabeled().getText()).isEqualTo("Exported 3 runs to costs.csv");

        daemon.costs.add(call("run-new", "acme", "openai", "gpt-4o", Instant.now().minusSeconds(60), 5_000, true, 700));
        FxWait.onFx(() -> {
            console.costs().refresh();
            return null;
        });
        TableView<CostlyRunInfo> table = robot.lookup("#topRunsTable").queryTableView();
        FxWait.until(() -> table.getItems().size() == 4);
        assertThat(robot.lookup("#exportStatus").queryLabeled().getText()).as("the refresh left it")
                .isEqualTo("Exported 3 runs to costs.csv");
        assertThat(FxWait.onFx(() -> shown(robot.lookup("#exportStatus").queryAs(Node.class)))).isTrue();
        assertThat(updated).startsWith("Updated ");
    }

    @Test
    void anotherDaemonsTenantsReplaceTheOldOnesInThePicker(FxRobot robot) throws Exception {
        openCostsTab(robot);
        @SuppressWarnings("unchecked")
        javafx.scene.control.ComboBox<String> tenants = robot.lookup("#costTenant").queryAs(
                javafx.scene.control.ComboBox.class);
        FxWait.until(() -> tenants.getItems().containsAll(java.util.Arrays.asList(null, "acme", "globex")));

        daemon.costs.clear();
        daemon.costs.add(call("run-i", "initech", "openai", "gpt-4o", Instant.now().minusSeconds(600), 4_000, true, 600));
        FxWait.onFx(() -> {
            console.connection().connectionLost(console.connection().getClient());
            return null;
        });

        FxWait.until(() -> tenants.getItems().equals(java.util.Arrays.asList(null, "initech")));
        assertThat(FxWait.onFx(tenants::getValue)).isNull();
    }
}
