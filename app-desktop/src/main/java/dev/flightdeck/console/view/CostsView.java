package dev.flightdeck.console.view;

import atlantafx.base.controls.Message;
import atlantafx.base.theme.Styles;
import atlantafx.base.theme.Tweaks;
import dev.flightdeck.client.CostlyRunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.console.viewmodel.BundleVersionKey;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.CostSnapshot;
import dev.flightdeck.console.viewmodel.CostsViewModel;
import dev.flightdeck.console.viewmodel.Formats;
import javafx.animation.PauseTransition;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.DatePicker;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.RowConstraints;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.util.Duration;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.fx.ChartViewer;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The Costs screen: range and filters, totals, five charts (spend over time by model, spend by
 * tenant and by bundle version, latency percentiles, tokens in and out) and the most expensive
 * runs. Binds to {@link CostsViewModel}; draws each new snapshot with one redraw per chart.
 */
public final class CostsView extends BorderPane {
    private final CostsViewModel vm;
    private final List<JFreeChart> built = newCharts();
    private final JFreeChart spend = built.get(0);
    private final JFreeChart byTenant = built.get(1);
    private final JFreeChart latency = built.get(2);
    private final JFreeChart tokens = built.get(3);
    private final JFreeChart byVersion = built.get(4);
    /** Each chart's own message for a range without data. */
    private final java.util.Map<JFreeChart, String> noDataMessages = new java.util.HashMap<>();
    private final java.util.ArrayDeque<Runnable> pending = new java.util.ArrayDeque<>();
    /** Runs one chart step; the benchmark wraps it to time each chart. */
    java.util.function.Consumer<Runnable> runStep = Runnable::run;
    /**
     * True for the first pulse after a new snapshot: that pulse lays out the table and totals the
     * answer changed, so the first chart waits for the next one instead of adding to it.
     */
    private boolean restPulse;
    /** Runs one pending chart update per pulse, then stops. */
    private final javafx.animation.AnimationTimer drawer = new javafx.animation.AnimationTimer() {
        @Override
        public void handle(long now) {
            if (restPulse) {
                restPulse = false;
                return;
            }
            Runnable step = pending.poll();
            if (step == null) {
                stop();
            } else {
                runStep.accept(step);
            }
        }
    };

    CostsView(ConsoleViewModel console) {
        this(console.costs(), run -> console.openRun(run.runId()));
    }

    /** The screen on its own (the dashboard benchmark drives it without a window). */
    public CostsView(CostsViewModel vm, java.util.function.Consumer<CostlyRunInfo> openRun) {
        this.vm = vm;
        getStyleClass().add("costs-view");
        setTop(new VBox(8, toolbar(), errorBanner(), noticeBanner(), totals()));
        getTop().getStyleClass().add("costs-header");
        // Charts take what the table leaves: the table shows about six runs and scrolls.
        GridPane grid = chartGrid();
        VBox.setVgrow(grid, Priority.ALWAYS);
        setCenter(new VBox(grid, table(openRun)));
        for (JFreeChart c : charts()) {
            noDataMessages.put(c, c.getPlot().getNoDataMessage());
        }
        vm.snapshotProperty().addListener((obs, old, s) -> show(s));
        show(vm.snapshotProperty().get());
        CostsWarmUp.startOnce();
    }

    /** The charts, in reading order (for tests and the benchmark). */
    public List<JFreeChart> charts() {
        return List.of(spend, byTenant, byVersion, latency, tokens);
    }

    /**
     * Draws a snapshot, one chart per pulse: each chart gets its new dataset with notifications
     * held, then redraws once. Drawing all five in one go holds the FX thread too long for large
     * ranges (docs/benchmarks.md). A newer snapshot replaces the steps not yet drawn.
     */
    void show(CostSnapshot s) {
        pending.clear();
        if (s.request() == null) {
            // No answer to show (none yet, or an invalid custom range): no charts of another range stay up.
            String why = nothingToShow();
            for (JFreeChart c : charts()) {
                redraw(c, chart -> {
                    CostCharts.clear(chart);
                    chart.getPlot().setNoDataMessage(why);
                });
            }
            return;
        }
        List<JFreeChart> order = drawOrder();
        List<java.util.function.Consumer<JFreeChart>> changes = changes(s);
        for (int i = 0; i < order.size(); i++) {
            JFreeChart chart = order.get(i);
            java.util.function.Consumer<JFreeChart> change = changes.get(i);
            pending.add(() -> redraw(chart, change));
        }
        restPulse = true;
        drawer.start();
    }

    /** The charts in the order a refresh draws them (the big spend chart first). */
    private List<JFreeChart> drawOrder() {
        return built;
    }

    /**
     * How each chart shows a snapshot, in {@link #drawOrder()}: the charts built by
     * {@link #newCharts()} in the same order take the same changes (the warm-up draws them).
     */
    static List<java.util.function.Consumer<JFreeChart>> changes(CostSnapshot s) {
        java.time.Duration bucket = s.request().bucketUnit().getDuration();
        boolean daily = s.request().daily();
        java.time.Instant from = s.buckets().isEmpty() ? s.request().from() : s.buckets().get(0);
        // To the end of the last bucket: the current, partial hour or day is drawn whole, not as a sliver.
        java.time.Instant to = s.buckets().isEmpty() ? s.request().to() : s.buckets().get(s.buckets().size() - 1).plus(bucket);
        return List.of(c -> {
            c.getXYPlot().setDataset(CostCharts.stacked(s.spendByModel(), bucket));
            CostCharts.timeRange(c, from, to, daily);
            CostCharts.unpricedNote(c, s.unpricedModels());
            int bin = CostCharts.binSize(s.buckets().size());
            if (bin > 1) {
                c.getXYPlot().getDomainAxis().setLabel("bars of " + bin + (daily ? " days" : " hours") + " (UTC)");
            }
        }, c -> c.getCategoryPlot().setDataset(CostCharts.bars(s.spendByTenant(), 8, t -> t.isEmpty() ? "(none)" : t)),
            c -> {
                c.getXYPlot().setDataset(CostCharts.lines(s.latency(), bucket));
                CostCharts.timeRange(c, from, to, daily);
            }, c -> {
                c.getXYPlot().setDataset(CostCharts.lines(s.tokens(), bucket));
                CostCharts.timeRange(c, from, to, daily);
            }, c -> c.getCategoryPlot().setDataset(CostCharts.bars(s.spendByVersion(), 8, CostsView::shortVersion)));
    }

    /** A new set of the screen's charts, in {@link #drawOrder()}. */
    static List<JFreeChart> newCharts() {
        return List.of(CostCharts.spendOverTime(), CostCharts.spendBy("Spend by tenant", CostCharts.PALETTE[0]),
                CostCharts.latency(), CostCharts.tokens(), CostCharts.spendBy("Spend by bundle version", CostCharts.PALETTE[3]));
    }

    /** True while charts of the last snapshot are still to be drawn. */
    boolean drawing() {
        return !pending.isEmpty();
    }

    /** Changes a chart with its notifications held, so it redraws once, after the change. */
    private void redraw(JFreeChart chart, java.util.function.Consumer<JFreeChart> change) {
        chart.setNotify(false);
        // Every plot change redraws the whole chart at once: the message too is set with notifications held.
        chart.getPlot().setNoDataMessage(noDataMessages.get(chart));
        change.accept(chart);
        CostCharts.axesIfData(chart);
        chart.setNotify(true);
    }

    private HBox toolbar() {
        Label title = new Label("Costs");
        title.getStyleClass().add("screen-title");

        ComboBox<CostsViewModel.Range> range = new ComboBox<>(FXCollections.observableArrayList(
                CostsViewModel.Range.values()));
        range.setId("costRange");
        range.setCellFactory(l -> cell(CostsViewModel.Range::label, ""));
        range.setButtonCell(cell(CostsViewModel.Range::label, ""));
        range.valueProperty().bindBidirectional(vm.rangeProperty());

        DatePicker from = new DatePicker();
        from.setId("costFrom");
        from.valueProperty().bindBidirectional(vm.customFromProperty());
        DatePicker to = new DatePicker();
        to.setId("costTo");
        to.valueProperty().bindBidirectional(vm.customToProperty());
        for (DatePicker p : List.of(from, to)) {
            p.setPrefWidth(130);
        }
        Label dash = new Label("to");
        Label utc = new Label("UTC");
        utc.getStyleClass().add("muted");
        HBox custom = new HBox(6, from, dash, to, utc);
        custom.setAlignment(Pos.CENTER_LEFT);
        custom.visibleProperty().bind(vm.rangeProperty().isEqualTo(CostsViewModel.Range.CUSTOM));
        custom.managedProperty().bind(custom.visibleProperty());

        ComboBox<String> tenant = filter("costTenant", vm.tenants(), "All tenants", vm.tenantProperty());
        ComboBox<String> bundle = filter("costBundle", vm.bundles(), "All bundles", vm.bundleProperty());
        ComboBox<String> model = filter("costModel", vm.models(), "All models", vm.modelProperty());

        ProgressIndicator progress = new ProgressIndicator();
        progress.setId("costsProgress");
        progress.setPrefSize(16, 16);
        progress.setMaxSize(16, 16);
        progress.setVisible(false);
        // Only queries that take a while show progress: the periodic refresh must not flicker.
        PauseTransition slow = new PauseTransition(Duration.millis(300));
        slow.setOnFinished(e -> progress.setVisible(true));
        vm.loadingProperty().addListener((obs, old, loading) -> {
            if (loading) {
                slow.playFromStart();
            } else {
                slow.stop();
                progress.setVisible(false);
            }
        });
        Button refresh = new Button("Refresh");
        refresh.getStyleClass().add(Styles.FLAT);
        refresh.setOnAction(e -> vm.refresh());

        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox bar = new HBox(8, title, range, custom, tenant, bundle, model, spacer, progress, refresh);
        bar.setAlignment(Pos.CENTER_LEFT);
        return bar;
    }

    /** Why there is no answer to draw: the range cannot be asked for, or its answer has not come yet. */
    private String nothingToShow() {
        return vm.request() == null ? "No range to show" : "Waiting for the daemon's costs";
    }

    /** The screen's failure, in the error style. */
    private Message errorBanner() {
        return banner("costsError", Styles.DANGER, vm.errorProperty());
    }

    /** A passing state (the daemon still loading its costs): information, not the red error box. */
    private Message noticeBanner() {
        return banner("costsNotice", Styles.ACCENT, vm.noticeProperty());
    }

    /** A box showing {@code text}, present only while it is not empty. */
    private static Message banner(String id, String style, javafx.beans.value.ObservableStringValue text) {
        Message box = new Message("Costs", "");
        box.setId(id);
        box.getStyleClass().add(style);
        box.descriptionProperty().bind(text);
        box.visibleProperty().bind(javafx.beans.binding.Bindings.isNotEmpty(text));
        box.managedProperty().bind(box.visibleProperty());
        return box;
    }

    private HBox totals() {
        Label unpriced = new Label();
        unpriced.setId("costUnpriced");
        unpriced.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.WARNING);
        unpriced.textProperty().bind(vm.unpricedProperty());
        Label status = new Label();
        status.setId("costStatus");
        status.getStyleClass().addAll("muted", Styles.TEXT_SMALL);
        status.textProperty().bind(vm.statusProperty());
        VBox notes = new VBox(2, unpriced, status);
        notes.setAlignment(Pos.CENTER_RIGHT);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox box = new HBox(28, total("Spend", "costSpend", vm.spendProperty()),
                total("Model calls", "costCalls", vm.callsProperty()),
                total("Tokens", "costTokens", vm.tokensProperty()),
                total("p95 latency", "costP95", vm.p95Property()), spacer, notes);
        box.setAlignment(Pos.CENTER_LEFT);
        box.getStyleClass().add("cost-totals");
        return box;
    }

    private static VBox total(String name, String id, ReadOnlyStringProperty text) {
        Label value = RunView.value(id);
        value.getStyleClass().add("total-value");
        value.textProperty().bind(text);
        return RunView.fact(name, value);
    }

    private GridPane chartGrid() {
        GridPane grid = new GridPane();
        grid.setId("costCharts");
        grid.setHgap(8);
        grid.setVgap(8);
        grid.getStyleClass().add("cost-charts");
        grid.add(viewer(spend, "spendChart"), 0, 0, 2, 1);
        grid.add(viewer(byTenant, "tenantChart"), 2, 0);
        grid.add(viewer(latency, "latencyChart"), 0, 1);
        grid.add(viewer(tokens, "tokensChart"), 1, 1);
        grid.add(viewer(byVersion, "versionChart"), 2, 1);
        for (int i = 0; i < 3; i++) {
            ColumnConstraints c = new ColumnConstraints();
            c.setPercentWidth(100 / 3.0);
            c.setHgrow(Priority.ALWAYS);
            grid.getColumnConstraints().add(c);
        }
        for (int i = 0; i < 2; i++) {
            RowConstraints r = new RowConstraints();
            r.setPercentHeight(50);
            r.setVgrow(Priority.ALWAYS);
            grid.getRowConstraints().add(r);
        }
        grid.setMinHeight(0);
        grid.setPrefHeight(460);
        return grid;
    }

    private static ChartViewer viewer(JFreeChart chart, String id) {
        ChartViewer v = new ChartViewer(chart);
        v.setId(id);
        v.setMinSize(0, 0);
        v.setPrefSize(300, 200);
        v.getStyleClass().add("chart");
        return v;
    }

    private VBox table(java.util.function.Consumer<CostlyRunInfo> openRun) {
        Label title = new Label("Most expensive runs");
        title.getStyleClass().add("details-title");
        Label hint = new Label("Double-click a run to open it.");
        hint.getStyleClass().addAll("muted", Styles.TEXT_SMALL);
        Button export = new Button("Export CSV…");
        export.setId("exportCsvButton");
        export.getStyleClass().add(Styles.SMALL);
        export.disableProperty().bind(javafx.beans.binding.Bindings.isEmpty(vm.topRuns()));
        export.setOnAction(e -> exportCsv());
        // The export's own line, next to its button: a refresh never replaces it.
        Label exported = new Label();
        exported.setId("exportStatus");
        exported.getStyleClass().addAll("muted", Styles.TEXT_SMALL);
        exported.textProperty().bind(vm.exportStatusProperty());
        Label exportFailed = new Label();
        exportFailed.setId("exportError");
        exportFailed.getStyleClass().addAll(Styles.DANGER, Styles.TEXT_SMALL);
        exportFailed.textProperty().bind(vm.exportErrorProperty());
        exportFailed.setWrapText(true);
        for (Label l : List.of(exported, exportFailed)) {
            l.visibleProperty().bind(l.textProperty().isNotEmpty());
            l.managedProperty().bind(l.visibleProperty());
        }
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox bar = new HBox(10, title, hint, spacer, exported, exportFailed, export);
        bar.setAlignment(Pos.CENTER_LEFT);

        // The table shows its own copy of the runs: the warm-up fills it with sample rows while it
        // is hidden, before the first answer (CostsWarmUp).
        ObservableList<CostlyRunInfo> shown = FXCollections.observableArrayList(vm.topRuns());
        vm.topRuns().addListener((ListChangeListener<CostlyRunInfo>) c -> shown.setAll(vm.topRuns()));
        TableView<CostlyRunInfo> table = topRunsTable(shown);
        CostsWarmUp.fillInScene(table, vm);
        Label empty = new Label();
        empty.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(
                () -> vm.snapshotProperty().get().request() == null ? nothingToShow()
                        : "No model calls in this range", vm.snapshotProperty()));
        empty.getStyleClass().add("empty-state");
        table.setPlaceholder(empty);
        OpenOnActivate.install(table, openRun);
        VBox.setVgrow(table, Priority.ALWAYS);
        VBox box = new VBox(6, bar, table);
        box.getStyleClass().add("cost-table");
        box.setMinHeight(150);
        box.setPrefHeight(250);
        return box;
    }

    /** The most expensive runs' table: its rows, columns and look (the warm-up fills one off the FX thread too). */
    static TableView<CostlyRunInfo> topRunsTable(ObservableList<CostlyRunInfo> rows) {
        TableView<CostlyRunInfo> table = new TableView<>(rows);
        table.setId("topRunsTable");
        table.getStyleClass().addAll(Styles.STRIPED, Tweaks.EDGE_TO_EDGE, Styles.DENSE);
        table.setFixedCellSize(30);
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);

        TableColumn<CostlyRunInfo, RunState> status = new TableColumn<>("Status");
        status.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue().state()));
        status.setCellFactory(c -> StatusBadge.tableCell());
        status.setPrefWidth(140);
        TableColumn<CostlyRunInfo, String> cost = text("Cost", r -> Formats.costSoFar(r.usage()), 150, true);
        cost.setId("topRunCost");
        List<TableColumn<CostlyRunInfo, ?>> columns = new ArrayList<>(List.of(
                text("Run", CostlyRunInfo::runId, 190, false),
                text("Tenant", r -> r.tenant().isEmpty() ? "—" : r.tenant(), 110, false),
                text("Bundle", r -> r.bundleName() + " @ " + RunsView.shortId(r.bundleVersion()), 210, false),
                status,
                text("Calls", r -> Formats.count(r.calls()), 70, true),
                text("Tokens", r -> Formats.count(r.usage().totalTokens()), 90, true),
                cost));
        columns.get(0).getStyleClass().add("mono");
        columns.forEach(c -> c.setSortable(false));
        table.getColumns().setAll(columns);
        return table;
    }

    private void exportCsv() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Export the most expensive runs");
        chooser.setInitialFileName("flightdeck-top-runs.csv");
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("CSV files", "*.csv"));
        File file = chooser.showSaveDialog(getScene() == null ? null : getScene().getWindow());
        if (file != null) {
            vm.exportTopRuns(file.toPath());
        }
    }

    private static TableColumn<CostlyRunInfo, String> text(String name, Function<CostlyRunInfo, String> f, double width,
                                                           boolean right) {
        TableColumn<CostlyRunInfo, String> col = new TableColumn<>(name);
        col.setCellValueFactory(c -> new SimpleStringProperty(f.apply(c.getValue())));
        col.setPrefWidth(width);
        if (right) {
            col.setStyle("-fx-alignment: center-right;");
        }
        return col;
    }

    private static ComboBox<String> filter(String id, ObservableList<String> choices, String all,
                                           javafx.beans.property.ObjectProperty<String> value) {
        ObservableList<String> items = FXCollections.observableArrayList((String) null);
        // Edited in place, never replaced (replacing the list would clear the selection): choices of
        // a previous daemon go, new ones are inserted in order after "All". Each run of new choices
        // is one change: the combo box's selection model works through every change, and the
        // first answer's 20 tenants, added one by one, showed in the FX thread's profile of the
        // cold first refresh (docs/benchmarks.md).
        Runnable sync = () -> {
            List<String> gone = items.stream().filter(item -> item != null && !choices.contains(item)).toList();
            if (!gone.isEmpty()) {
                items.removeAll(gone);
            }
            for (int i = 0; i < choices.size(); ) {
                if (items.contains(choices.get(i))) {
                    i++;
                    continue;
                }
                int end = i + 1;
                while (end < choices.size() && !items.contains(choices.get(end))) {
                    end++;
                }
                items.addAll(Math.min(i + 1, items.size()), List.copyOf(choices.subList(i, end)));
                i = end;
            }
        };
        sync.run();
        choices.addListener((ListChangeListener<String>) c -> sync.run());
        ComboBox<String> box = new ComboBox<>(items);
        box.setId(id);
        box.setPromptText(all);
        box.setCellFactory(l -> cell(s -> s, all));
        box.setButtonCell(cell(s -> s, all));
        box.setPrefWidth(170);
        box.valueProperty().bindBidirectional(value);
        return box;
    }

    private static <T> ListCell<T> cell(Function<T, String> label, String none) {
        return new ListCell<>() {
            @Override
            protected void updateItem(T item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item == null ? none : label.apply(item));
            }
        };
    }

    /** "support-refund@3f2a9c…" → "support-refund@3f2a9c1d". */
    private static String shortVersion(String key) {
        BundleVersionKey k = BundleVersionKey.parse(key);
        return k.version().isEmpty() ? key : k.name() + "@" + RunsView.shortId(k.version());
    }
}
