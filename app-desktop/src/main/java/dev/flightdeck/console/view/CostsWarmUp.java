package dev.flightdeck.console.view;

import dev.flightdeck.client.CostDimension;
import dev.flightdeck.client.CostFilter;
import dev.flightdeck.client.CostGroupInfo;
import dev.flightdeck.client.CostlyRunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.UsageInfo;
import dev.flightdeck.console.viewmodel.CostRequest;
import dev.flightdeck.console.viewmodel.CostSnapshot;
import dev.flightdeck.console.viewmodel.CostsViewModel;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.Scene;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.skin.TableCellSkin;
import javafx.scene.control.skin.TableRowSkin;
import javafx.scene.canvas.Canvas;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.fx.FXGraphics2D;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.Rectangle;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs once, on a background thread right after start, the work the Costs screen's first refresh
 * would otherwise run cold on the FX thread: loading, initialising and JIT-compiling JFreeChart's
 * renderers, axes and legends and FXGraphics2D's text measurement (it draws its own charts, fed
 * the largest answer the screen draws, on a canvas no scene shows — JavaFX allows that on any
 * thread); applying an answer to a view model no screen binds to; filling cells of a table no
 * scene shows. Nothing the user sees is touched there. Cold, the first refresh's spend chart
 * alone took about four times the FX-thread time of a warm one (docs/benchmarks.md).
 *
 * <p>CSS and layout of the top-runs table are not warmed off the FX thread: control skins
 * measure text with one TextLayout shared by all controls (a static in JavaFX's skin utilities),
 * so laying one out off the FX thread races the FX thread's layouts (a trial that did ended once
 * with a NullPointerException inside the text layout). They are warmed afterwards on the FX
 * thread, in the screen's own table while it is hidden, one row per pulse ({@link #fillInScene}).
 */
final class CostsWarmUp {
    private static final Logger log = LoggerFactory.getLogger(CostsWarmUp.class);
    /** Draws per chart: enough for the interpreter to hand the hot drawing loops to the JIT. */
    private static final int DRAWS = 3;

    private CostsWarmUp() {
    }

    /** Completes when the warm-up of this JVM has run, both parts (the dashboard benchmark waits for it). */
    private static final java.util.concurrent.CompletableFuture<Void> DONE = new java.util.concurrent.CompletableFuture<>();
    /** Completes when the part off the FX thread has run. */
    private static final java.util.concurrent.CompletableFuture<Void> OFF_FX = new java.util.concurrent.CompletableFuture<>();
    private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();
    private static final java.util.concurrent.atomic.AtomicBoolean IN_SCENE = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Set to false to go without it: an escape hatch should drawing off the FX thread misbehave on
     * some platform, and how the dashboard benchmark measures the first refresh without it.
     */
    static final String ENABLED_PROPERTY = "flightdeck.console.costsWarmUp";

    /** Starts the warm-up on a daemon thread (it never delays the console's exit), once per JVM. */
    static void startOnce() {
        if (!enabled()) {
            OFF_FX.complete(null);
            DONE.complete(null);
        } else if (STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(CostsWarmUp::run, "costs-warm-up");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
        }
    }

    private static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true"));
    }

    static java.util.concurrent.CompletableFuture<Void> done() {
        return DONE;
    }

    private static void run() {
        long started = System.nanoTime();
        try {
            CostSnapshot sample = sample();
            drawCharts(sample);
            CostsViewModel.applyDetached(sample, sample());
            fillDetachedTable(sample.topRuns());
            log.debug("Costs screen warmed up off the FX thread in {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException | LinkageError e) {
            // Only the first refresh gets slower: nothing the user needs depends on this.
            log.warn("Costs screen warm-up failed; the first refresh may be slow", e);
        } finally {
            OFF_FX.complete(null);
        }
    }

    /**
     * Fills cells of a table no scene shows the way the table fills its own, and builds their
     * skins (controls not in a shown scene may be built and changed on any thread): row, cell and
     * skin classes, their listeners and lambdas and the cell values' formatting are loaded and
     * linked here instead of on the FX thread. Nothing is styled or laid out, so nothing measures
     * text. With the skins built here the warm-up's first row on the FX thread took about 20 ms
     * less FX-thread CPU (59–95 ms against 81–117 ms at load 5–9, docs/benchmarks.md).
     */
    private static void fillDetachedTable(List<CostlyRunInfo> runs) {
        TableView<CostlyRunInfo> table = CostsView.topRunsTable(FXCollections.observableArrayList(runs));
        OpenOnActivate.install(table, run -> { });
        for (int i = 0; i < ROWS_WITHOUT_HEIGHT; i++) {
            TableRow<CostlyRunInfo> row = table.getRowFactory().call(table);
            row.updateTableView(table);
            row.updateIndex(i);
            for (TableColumn<CostlyRunInfo, ?> column : table.getColumns()) {
                fillCell(column, row, i);
            }
            // A skin is built, not laid out: its constructor and the listeners and lambdas it
            // links run here; nothing measures text until a layout, which never comes.
            row.setSkin(new TableRowSkin<>(row));
        }
    }

    private static <T> void fillCell(TableColumn<CostlyRunInfo, T> column, TableRow<CostlyRunInfo> row, int index) {
        TableCell<CostlyRunInfo, T> cell = column.getCellFactory().call(column);
        cell.updateTableView(row.getTableView());
        cell.updateTableColumn(column);
        cell.updateTableRow(row);
        cell.updateIndex(index);
        cell.setSkin(new TableCellSkin<>(cell));
    }

    /**
     * Then, on the FX thread: the screen's own table, hidden, is given sample rows one per pulse
     * until it has a row more than it shows, then other sample rows a few times over, then its
     * rows go back to the real ones (none before the first answer) and it shows again. The skins,
     * CSS and layout of the screen's own rows can only run on the FX thread; cold, the first refresh's pulse
     * spent about 100 ms of FX-thread time making six rows of cells and filling them. The table
     * keeps the cells made here and fills them with the first answer as with any later one, on
     * code already run; each pulse here pays for one row or one refill (docs/benchmarks.md).
     * Once per JVM, when the screen's window shows and the part off the FX thread is done.
     */
    static void fillInScene(TableView<CostlyRunInfo> table, CostsViewModel vm) {
        if (enabled() && IN_SCENE.compareAndSet(false, true)) {
            OFF_FX.whenComplete((ok, e) -> Platform.runLater(() -> warmTable(table, vm).whenComplete(
                    (done, failed) -> DONE.complete(null))));
        }
    }

    /**
     * Warms {@code table} as {@link #fillInScene} does, now (FX thread). It stops at once, the
     * table showing the real rows, when the screen asks the daemon or has rows of its own: no
     * sample row is ever shown, nor in the table's items once a refresh is asked.
     *
     * @return completes when the table shows its real rows again
     */
    static java.util.concurrent.CompletableFuture<Void> warmTable(TableView<CostlyRunInfo> table, CostsViewModel vm) {
        // One at a time per table: a second one would show the table while the first fills it.
        if (table.getProperties().get(TableInScene.class) instanceof TableInScene running) {
            return running.done;
        }
        TableInScene warm = new TableInScene(table, vm);
        table.getProperties().put(TableInScene.class, warm);
        warm.start();
        return warm.done;
    }

    /** Rows of the table's first fill at most (the sample has 100); a tall window shows about 30. */
    private static final int MAX_ROWS = 60;
    /** Rows a hidden tab's table makes when it has not been given a height. */
    private static final int ROWS_WITHOUT_HEIGHT = 8;
    /** Refills of the made rows with other sample rows: the fill code runs enough to be compiled. */
    private static final int REFILLS = 8;
    /** Pulses the warm-up lets pass once the window shows (half a second at 60 Hz). */
    private static final int SETTLE_PULSES = 30;
    /** How long the warm-up waits for the screen's window to show before it lets go. */
    private static final long GIVE_UP_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);

    private static final class TableInScene extends AnimationTimer {
        private final TableView<CostlyRunInfo> table;
        private final ObservableList<CostlyRunInfo> shown;
        private final ObservableList<CostlyRunInfo> rows;
        private final javafx.beans.property.ReadOnlyBooleanProperty loading;
        /** A refresh asked: the table is the real rows' from this moment, not a pulse later. */
        private final javafx.beans.value.ChangeListener<Boolean> asked = (obs, was, now) -> {
            if (now) {
                finish();
            }
        };
        private final java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        private List<CostlyRunInfo> sample;
        private int refills;
        /** Pulses seen with the window showing. */
        private int shownPulses;
        /** Pulse time the table was first found not shown; 0 until then. */
        private long waitingSince;

        TableInScene(TableView<CostlyRunInfo> table, CostsViewModel vm) {
            this.table = table;
            this.shown = table.getItems();
            this.rows = vm.topRuns();
            this.loading = vm.loadingProperty();
            loading.addListener(asked);
        }

        @Override
        public void handle(long now) {
            if (!rows.isEmpty() || loading.get()) {
                finish(); // a real answer came, or is coming, first: the table is its
                return;
            }
            Scene scene = table.getScene();
            if (scene == null || scene.getWindow() == null || !scene.getWindow().isShowing()) {
                if (sample != null || (waitingSince != 0 && now - waitingSince > GIVE_UP_NANOS)) {
                    finish(); // the window closed, or never showed
                } else if (waitingSince == 0) {
                    waitingSince = now;
                }
                return; // not shown yet: nothing would be styled or laid out
            }
            if (shownPulses++ < SETTLE_PULSES) {
                return; // the window's own first styling and layout go first, in pulses of their own
            }
            try {
                if (sample == null) {
                    sample = new ArrayList<>(sample().topRuns());
                    table.setVisible(false); // sample rows are never seen
                }
                double height = table.getHeight() - table.getFixedCellSize(); // less the header
                int want = Math.min(MAX_ROWS, height <= 0 ? ROWS_WITHOUT_HEIGHT
                        : (int) Math.ceil(height / table.getFixedCellSize()) + 1);
                if (shown.size() < want) {
                    shown.add(sample.get(shown.size())); // the next layout pass makes its cells
                } else if (refills++ < REFILLS) {
                    java.util.Collections.rotate(sample, 1); // other values in every cell, as a refresh brings
                    shown.setAll(sample.subList(0, shown.size()));
                } else {
                    finish();
                }
            } catch (RuntimeException e) {
                log.warn("Costs table warm-up failed; the first refresh may be slow", e);
                finish();
            }
        }

        private void finish() {
            if (done.isDone()) {
                return;
            }
            stop();
            loading.removeListener(asked);
            if (sample != null) {
                shown.setAll(rows);
                table.setVisible(true);
            }
            table.getProperties().remove(TableInScene.class);
            done.complete(null);
        }
    }

    /** Each chart takes the sample as a refresh would and is drawn as its viewer's canvas draws it. */
    private static void drawCharts(CostSnapshot sample) {
        List<JFreeChart> charts = CostsView.newCharts();
        List<java.util.function.Consumer<JFreeChart>> changes = CostsView.changes(sample);
        Canvas canvas = new Canvas(840, 230);
        FXGraphics2D g2 = new FXGraphics2D(canvas.getGraphicsContext2D());
        Rectangle area = new Rectangle(840, 230);
        for (int i = 0; i < charts.size(); i++) {
            changes.get(i).accept(charts.get(i));
            CostCharts.axesIfData(charts.get(i));
            for (int n = 0; n < DRAWS; n++) {
                canvas.getGraphicsContext2D().clearRect(0, 0, area.width, area.height);
                charts.get(i).draw(g2, area, null, new ChartRenderingInfo());
            }
        }
    }

    /** The largest answer the screen draws: 400 daily buckets, 13 spend layers, full bars and table. */
    static CostSnapshot sample() {
        Instant to = Instant.now().truncatedTo(ChronoUnit.DAYS);
        Instant from = to.minus(Duration.ofDays(400));
        CostRequest request = new CostRequest(from, to, CostDimension.DAY, CostFilter.ALL);
        List<Instant> days = IntStream.range(0, 400).mapToObj(d -> from.plus(Duration.ofDays(d))).toList();
        List<CostSnapshot.Series> spend = new ArrayList<>();
        for (int m = 0; m <= CostSnapshot.MAX_MODELS; m++) {
            spend.add(series(m == CostSnapshot.MAX_MODELS ? CostSnapshot.OTHER : "provider/model-" + m, days, m + 1));
        }
        List<CostSnapshot.Bar> bars = IntStream.range(0, 20)
                .mapToObj(i -> new CostSnapshot.Bar("tenant-" + i, 100.0 / (i + 1), i % 5 != 0, 10L * (i + 1))).toList();
        List<CostSnapshot.Bar> versions = IntStream.range(0, 30)
                .mapToObj(i -> new CostSnapshot.Bar("bundle-" + i + "@" + Integer.toHexString(0x3f2a9c1d + i), 50.0 / (i + 1),
                        true, 5L * (i + 1))).toList();
        List<CostlyRunInfo> runs = IntStream.range(0, 100).mapToObj(i -> new CostlyRunInfo("warm-up-" + i, "tenant-" + (i % 20),
                "bundle-" + (i % 6), Integer.toHexString(0x10000000 + i), i % 7 == 0 ? RunState.FAILED : RunState.SUCCEEDED,
                from.plus(Duration.ofHours(i)), 3 + i, new UsageInfo(1000L * i, 0, 100L * i, 0, 10_000L * (100 - i),
                i % 9 != 0, 0), 0)).toList();
        return new CostSnapshot(request, days, spend, List.of("ollama/llama3.1:8b"),
                List.of(series("p50", days, 400), series("p95", days, 900), series("p99", days, 1400)),
                List.of(series("in", days, 20_000), series("out", days, 3_000)), bars, versions, CostGroupInfo.EMPTY,
                runs, false);
    }

    private static CostSnapshot.Series series(String name, List<Instant> at, double scale) {
        double[] values = new double[at.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = scale * (1.5 + Math.sin(i / 9.0));
        }
        return new CostSnapshot.Series(name, at, values);
    }
}
