package dev.flightdeck.console.view;

import atlantafx.base.theme.Styles;
import atlantafx.base.theme.Tweaks;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.Formats;
import dev.flightdeck.console.viewmodel.RunRow;
import dev.flightdeck.console.viewmodel.RunsViewModel;
import javafx.animation.Animation;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.binding.Bindings;
import javafx.collections.FXCollections;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** The Runs screen: a live table of runs, newest first, with a status filter. */
final class RunsView extends VBox {
    private final Timeline ticker;

    RunsView(ConsoleViewModel console, Runnable newRun) {
        RunsViewModel vm = console.runs();
        getStyleClass().add("screen");

        Label title = new Label("Runs");
        title.getStyleClass().add("screen-title");
        Label count = new Label();
        count.getStyleClass().add("muted");
        count.textProperty().bind(Bindings.createStringBinding(() -> {
            int shown = vm.visibleRuns().size();
            return shown == 1 ? "1 run" : shown + " runs";
        }, vm.visibleRuns()));

        ComboBox<RunState> filter = new ComboBox<>();
        List<RunState> states = new ArrayList<>();
        states.add(null);
        states.addAll(Arrays.stream(RunState.values()).filter(s -> s != RunState.UNKNOWN).toList());
        filter.setItems(FXCollections.observableArrayList(states));
        filter.setId("statusFilter");
        filter.setPromptText("All statuses");
        filter.setButtonCell(new StateCell());
        filter.setCellFactory(l -> new StateCell());
        filter.valueProperty().bindBidirectional(vm.statusFilterProperty());

        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        refresh.getStyleClass().add(Styles.FLAT);
        Button create = new Button("New run");
        create.setId("newRunButton");
        create.getStyleClass().add(Styles.ACCENT);
        create.disableProperty().bind(console.connection().clientProperty().isNull());
        create.setOnAction(e -> newRun.run());

        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox bar = new HBox(10, title, count, spacer, new Label("Status"), filter, refresh, create);
        bar.setAlignment(Pos.CENTER_LEFT);

        TableView<RunRow> table = new TableView<>(vm.visibleRuns());
        table.setId("runsTable");
        table.getStyleClass().addAll(Styles.STRIPED, Tweaks.EDGE_TO_EDGE);
        table.setFixedCellSize(34);
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        Label empty = new Label();
        empty.getStyleClass().add("empty-state");
        empty.textProperty().bind(vm.emptyTextProperty());
        table.setPlaceholder(empty);

        TableColumn<RunRow, RunState> status = new TableColumn<>("Status");
        status.setCellValueFactory(c -> c.getValue().runProperty().map(RunInfo::state));
        status.setCellFactory(c -> StatusBadge.tableCell());
        status.setPrefWidth(150);
        ZoneId zone = ZoneId.systemDefault();
        TableColumn<RunRow, String> bundle = text("Bundle", r -> r.bundleName() + " @ " + shortId(r.bundleVersion()));
        bundle.setPrefWidth(240);
        TableColumn<RunRow, String> tenant = text("Tenant", r -> r.tenant().isEmpty() ? "—" : r.tenant());
        tenant.setPrefWidth(120);
        TableColumn<RunRow, String> started = text("Started",
                r -> Formats.started(r.startedAt() != null ? r.startedAt() : r.createdAt(), zone, LocalDate.now(zone)));
        started.setPrefWidth(140);
        TableColumn<RunRow, String> duration = new TableColumn<>("Duration");
        duration.setCellValueFactory(c -> c.getValue().durationProperty());
        duration.setPrefWidth(100);
        TableColumn<RunRow, String> steps = text("Steps", r -> Integer.toString(r.stepCount()));
        steps.setPrefWidth(70);
        steps.setStyle("-fx-alignment: center-right;");
        TableColumn<RunRow, String> tokens = text("Tokens", r -> Formats.tokens(r.usage()));
        tokens.setPrefWidth(90);
        tokens.setStyle("-fx-alignment: center-right;");
        TableColumn<RunRow, String> cost = text("Cost", r -> Formats.cost(r.usage()));
        cost.setPrefWidth(90);
        cost.setStyle("-fx-alignment: center-right;");
        cost.setId("costColumn");
        TableColumn<RunRow, String> id = text("Run", RunInfo::runId);
        id.setPrefWidth(200);
        id.getStyleClass().add("mono");
        List.of(status, bundle, tenant, started, duration, steps, tokens, cost, id).forEach(col -> col.setSortable(false));
        table.getColumns().addAll(List.of(status, bundle, tenant, started, duration, steps, tokens, cost, id));

        OpenOnActivate.install(table, row -> console.openRun(row.runId()));
        VBox.setVgrow(table, Priority.ALWAYS);

        Label hint = new Label("Double-click a run to follow its events.");
        hint.getStyleClass().addAll("muted", Styles.TEXT_SMALL);
        getChildren().addAll(bar, table, hint);

        ticker = new Timeline(new KeyFrame(Duration.seconds(1), e -> vm.tick()));
        ticker.setCycleCount(Animation.INDEFINITE);
        sceneProperty().addListener((obs, old, scene) -> {
            if (scene != null) {
                ticker.play();
            } else {
                ticker.stop();
            }
        });
    }

    static String shortId(String version) {
        return version == null ? "" : version.length() > 8 ? version.substring(0, 8) : version;
    }

    private static TableColumn<RunRow, String> text(String name, Function<RunInfo, String> f) {
        TableColumn<RunRow, String> col = new TableColumn<>(name);
        // A live mapping: the cell follows the row's run as live updates replace it.
        col.setCellValueFactory(c -> c.getValue().runProperty().map(f));
        return col;
    }

    private static final class StateCell extends ListCell<RunState> {
        @Override
        protected void updateItem(RunState item, boolean empty) {
            super.updateItem(item, empty);
            setText(empty ? null : item == null ? "All statuses" : Formats.state(item));
        }
    }
}
