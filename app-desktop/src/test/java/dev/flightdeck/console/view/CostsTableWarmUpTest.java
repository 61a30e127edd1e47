package dev.flightdeck.console.view;

import dev.flightdeck.client.CostlyRunInfo;
import dev.flightdeck.console.testing.FakeCosts;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.testing.FakeDaemonConsole;
import dev.flightdeck.console.testing.FxWait;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.Formats;
import dev.flightdeck.proto.v1.RunStatus;
import javafx.application.Platform;
import javafx.collections.ListChangeListener;
import javafx.scene.Node;
import javafx.scene.control.Labeled;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Costs table's warm-up (CostsWarmUp) fills the screen's own table with sample rows while it
 * is hidden: the user never sees them, and the first answer shows every run with its values.
 */
@ExtendWith(ApplicationExtension.class)
class CostsTableWarmUpTest {
    private static final int RUNS = 120;
    private FakeDaemonConsole window;
    private ConsoleViewModel console;

    @Start
    void start(Stage stage) throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        Instant now = Instant.now();
        for (int i = 0; i < RUNS; i++) {
            // run-119 costs most; the table lists the 100 most expensive, run-119 down to run-20.
            daemon.costs.add(new FakeCosts.Call("run-" + i, "tenant-" + (i % 7), "support-refund", "3f2a9c1d0b7e",
                    RunStatus.RUN_STATUS_SUCCEEDED, "openai", "gpt-4o", now.minusSeconds(600 + i), 1000, 200,
                    1_000L * (i + 1), true, 500));
        }
        daemon.putRun(FakeDaemon.run("run-119", RunStatus.RUN_STATUS_SUCCEEDED, now.minusSeconds(3600), 9));
        // The console's own warm-up (once per JVM) must not pick this window's table: each test
        // runs its own, in full, with CostsWarmUp.warmTable.
        System.setProperty(CostsWarmUp.ENABLED_PROPERTY, "false");
        try {
            window = FakeDaemonConsole.open(stage, daemon);
        } finally {
            System.clearProperty(CostsWarmUp.ENABLED_PROPERTY);
        }
        console = window.console();
    }

    @AfterEach
    void tearDown() {
        window.close();
    }

    private static TableView<CostlyRunInfo> table(FxRobot robot) {
        return robot.lookup("#topRunsTable").queryTableView();
    }

    private static boolean anySample(List<CostlyRunInfo> rows) {
        return rows.stream().anyMatch(r -> r.runId().startsWith("warm-up-"));
    }

    /** The shown row of {@code index}, its cells' texts in column order. */
    private static List<String> rowTexts(TableView<CostlyRunInfo> table, int index) {
        TableRow<?> row = table.lookupAll(".table-row-cell").stream().map(n -> (TableRow<?>) n)
                .filter(r -> r.isVisible() && r.getIndex() == index).findFirst().orElseThrow();
        return row.getChildrenUnmodifiable().stream().filter(n -> n instanceof Labeled)
                .map(n -> ((Labeled) n).getText()).toList();
    }

    @Test
    void afterTheWarmUpTheFirstAnswerShowsAllHundredRunsAndTheTopOneOpensOnADoubleClick(
            FxRobot robot, @TempDir Path dir) throws Exception {
        TableView<CostlyRunInfo> table = table(robot);
        CompletableFuture<Void> warmed = FxWait.onFx(() -> CostsWarmUp.warmTable(table, console.costs()));
        warmed.get(30, TimeUnit.SECONDS);
        assertThat(FxWait.onFx(table::isVisible)).isTrue();
        assertThat(FxWait.onFx(() -> List.copyOf(table.getItems()))).as("no sample row is left").isEmpty();

        robot.clickOn(robot.lookup(".tab").nth(2).queryAs(Node.class)); // Runs, Approvals, Costs
        FxWait.until(() -> table.getItems().size() == 100);

        List<CostlyRunInfo> rows = FxWait.onFx(() -> List.copyOf(table.getItems()));
        assertThat(rows).isEqualTo(FxWait.onFx(() -> List.copyOf(console.costs().topRuns())));
        assertThat(anySample(rows)).isFalse();
        assertThat(rows.get(0).runId()).isEqualTo("run-119");
        assertThat(rows.get(99).runId()).isEqualTo("run-20");
        FxWait.until(() -> table.lookupAll(".table-row-cell").stream()
                .anyMatch(n -> n.isVisible() && ((TableRow<?>) n).getIndex() == 0 && ((TableRow<?>) n).getItem() != null));
        List<String> first = FxWait.onFx(() -> rowTexts(table, 0));
        assertThat(first.get(0)).isEqualTo("run-119");
        assertThat(first.get(1)).isEqualTo("tenant-0");
        assertThat(first).last().isEqualTo(Formats.costSoFar(rows.get(0).usage()));
        assertThat(FxWait.onFx(() -> rowTexts(table, 1)).get(0)).isEqualTo("run-118");

        FxWait.onFx(() -> {
            console.costs().exportTopRuns(dir.resolve("top"));
            return null;
        });
        FxWait.until(() -> console.costs().exportStatusProperty().get().startsWith("Exported"));
        List<String> csv = Files.readAllLines(dir.resolve("top.csv"));
        assertThat(csv).hasSize(101); // the header and every run
        assertThat(csv.get(1)).startsWith("run-119,");
        assertThat(csv.get(100)).startsWith("run-20,");

        robot.doubleClickOn(FxWait.onFx(() -> table.lookupAll(".table-row-cell").stream()
                .filter(n -> n.isVisible() && ((TableRow<?>) n).getIndex() == 0).findFirst().orElseThrow()));
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        FxWait.until(() -> "run-run-119".equals(tabs.getSelectionModel().getSelectedItem().getId()));
    }

    @Test
    void openingTheScreenDuringTheWarmUpShowsTheRealRowsAtOnce(FxRobot robot) throws Exception {
        TableView<CostlyRunInfo> table = table(robot);
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        CompletableFuture<Boolean> hiddenWhileSampled = new CompletableFuture<>();
        CompletableFuture<List<CostlyRunInfo>> rowsWhenOpened = new CompletableFuture<>();
        CompletableFuture<Boolean> shownWhenOpened = new CompletableFuture<>();
        FxWait.onFx(() -> {
            table.getItems().addListener((ListChangeListener<CostlyRunInfo>) c -> {
                if (table.getItems().size() == 2 && !hiddenWhileSampled.isDone()) {
                    hiddenWhileSampled.complete(!table.isVisible() && anySample(table.getItems()));
                    Platform.runLater(() -> {
                        tabs.getSelectionModel().select(2); // the user opens the Costs tab mid-warm-up
                        rowsWhenOpened.complete(List.copyOf(table.getItems()));
                        shownWhenOpened.complete(table.isVisible());
                    });
                }
            });
            return CostsWarmUp.warmTable(table, console.costs());
        });

        assertThat(hiddenWhileSampled.get(30, TimeUnit.SECONDS)).as("sample rows only while hidden").isTrue();
        assertThat(anySample(rowsWhenOpened.get(30, TimeUnit.SECONDS))).isFalse();
        assertThat(shownWhenOpened.get(30, TimeUnit.SECONDS)).isTrue();
        FxWait.until(() -> table.getItems().size() == 100);
        assertThat(anySample(FxWait.onFx(() -> List.copyOf(table.getItems())))).isFalse();
    }
}
