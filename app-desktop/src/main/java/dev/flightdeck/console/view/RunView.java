package dev.flightdeck.console.view;

import atlantafx.base.theme.Styles;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.console.viewmodel.Formats;
import dev.flightdeck.console.viewmodel.RunViewModel;
import dev.flightdeck.console.viewmodel.TimelineLine;
import javafx.animation.Animation;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Platform;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.geometry.VPos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

import java.time.Clock;
import java.time.ZoneId;
import java.util.List;

/** The Run screen: header, live timeline of events, details of the selected event. */
final class RunView extends BorderPane {
    private static final ZoneId ZONE = ZoneId.systemDefault();

    private final RunViewModel vm;
    private final Clock clock;
    private final StatusBadge badge = new StatusBadge();
    private final Label title = new Label();
    private final Label runId = new Label();
    private final Label tenant = value("tenant");
    private final Label started = value("started");
    private final Label duration = value("duration");
    private final Label steps = value("steps");
    private final Label tokens = value("tokens");
    private final Label cost = value("cost");
    private final Label input = new Label();
    private final Label output = new Label();
    private final Label outputName = new Label("Output");
    private final Timeline ticker;
    private final java.util.function.Consumer<String> reviewApproval;
    private final HBox approvalBanner = new HBox();
    private final Label approvalText = new Label();

    RunView(RunViewModel vm, Clock clock, java.util.function.Consumer<String> reviewApproval) {
        this.vm = vm;
        this.clock = clock;
        this.reviewApproval = reviewApproval;
        getStyleClass().add("run-view");
        setTop(header());
        setCenter(body());
        vm.runProperty().addListener((obs, old, run) -> show(run));
        show(vm.getRun());
        ticker = new Timeline(new KeyFrame(Duration.seconds(1), e -> tick()));
        ticker.setCycleCount(Animation.INDEFINITE);
        sceneProperty().addListener((obs, old, scene) -> {
            if (scene != null) {
                ticker.play();
            } else {
                ticker.stop();
            }
        });
    }

    private VBox header() {
        title.getStyleClass().add("run-title");
        title.setId("runTitle");
        badge.setId("runStatus");
        runId.getStyleClass().addAll("muted", "mono");
        Button cancel = new Button("Cancel run");
        cancel.setId("cancelRunButton");
        cancel.getStyleClass().addAll(Styles.DANGER, Styles.BUTTON_OUTLINED);
        cancel.visibleProperty().bind(vm.canCancelProperty());
        cancel.managedProperty().bind(cancel.visibleProperty());
        cancel.setOnAction(e -> vm.cancel());
        Label live = new Label("● live");
        live.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.SUCCESS);
        live.visibleProperty().bind(vm.followingProperty());
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox top = new HBox(10, badge, title, live, spacer, runId, cancel);
        top.setAlignment(Pos.CENTER_LEFT);

        HBox facts = new HBox(28, fact("Tenant", tenant), fact("Started", started), fact("Duration", duration),
                fact("Steps", steps), fact("Tokens", tokens), fact("Cost", cost));

        input.setWrapText(true);
        input.setId("runInput");
        output.setWrapText(true);
        output.setId("runOutput");
        // Long answers stay a few lines here (the full text is in the tooltip and in run_finished).
        output.setMaxHeight(64);
        output.setTooltip(new Tooltip());
        output.getTooltip().textProperty().bind(output.textProperty());
        output.getTooltip().setWrapText(true);
        output.getTooltip().setMaxWidth(640);
        input.setMaxHeight(40);
        Label inputName = new Label("Input");
        inputName.getStyleClass().add("io-label");
        outputName.getStyleClass().add("io-label");
        GridPane io = new GridPane();
        io.setHgap(12);
        io.setVgap(4);
        io.addRow(0, inputName, input);
        io.addRow(1, outputName, output);
        GridPane.setHgrow(input, Priority.ALWAYS);
        GridPane.setHgrow(output, Priority.ALWAYS);
        GridPane.setValignment(inputName, VPos.TOP);
        GridPane.setValignment(outputName, VPos.TOP);

        Button review = new Button("Review approval");
        review.setId("reviewApprovalButton");
        review.getStyleClass().addAll(Styles.ACCENT, Styles.SMALL);
        review.setOnAction(e -> reviewApproval.accept(vm.runId()));
        approvalText.setId("approvalBannerText");
        approvalText.setWrapText(true);
        approvalBanner.getChildren().setAll(approvalText, review);
        approvalBanner.getStyleClass().add("approval-banner");
        approvalBanner.setId("approvalBanner");
        approvalBanner.setVisible(false);
        approvalBanner.setManaged(false);

        VBox box = new VBox(10, top, approvalBanner, facts, io);
        box.getStyleClass().add("run-header");
        return box;
    }

    private SplitPane body() {
        ListView<RunEventInfo> timeline = new ListView<>(vm.events());
        timeline.setId("timeline");
        timeline.setFixedCellSize(32);
        timeline.setCellFactory(l -> new EventCell());
        Label empty = new Label("Waiting for the first event…");
        empty.getStyleClass().add("empty-state");
        timeline.setPlaceholder(empty);
        timeline.getSelectionModel().selectedItemProperty().addListener((obs, old, e) -> vm.selectedEventProperty().set(e));
        vm.selectedEventProperty().addListener((obs, old, e) -> {
            if (e != timeline.getSelectionModel().getSelectedItem()) {
                timeline.getSelectionModel().select(e);
            }
        });
        // Follow the tail while the user has not picked an event: on new events, and when the list
        // gets shorter (the header grows when the run's output arrives).
        Runnable followTail = () -> {
            if (timeline.getSelectionModel().getSelectedItem() == null && !vm.events().isEmpty()) {
                timeline.scrollTo(vm.events().size() - 1);
            }
        };
        // Scroll after the pass that lays out the new rows or the new height: scrolling during it
        // measures the old viewport and stops short of the last row. One call per batch.
        vm.events().addListener((ListChangeListener<RunEventInfo>) c -> Platform.runLater(followTail));
        timeline.heightProperty().addListener((obs, old, h) -> Platform.runLater(followTail));

        Label timelineTitle = new Label("Timeline");
        timelineTitle.getStyleClass().add("details-title");
        Label eventCount = new Label();
        eventCount.getStyleClass().add("muted");
        eventCount.textProperty().bind(javafx.beans.binding.Bindings.size(vm.events()).asString("%d events"));
        HBox timelineBar = new HBox(10, timelineTitle, eventCount);
        timelineBar.setAlignment(Pos.CENTER_LEFT);
        timelineBar.setPadding(new Insets(10, 12, 6, 12));
        VBox left = new VBox(timelineBar, timeline);
        VBox.setVgrow(timeline, Priority.ALWAYS);

        SplitPane split = new SplitPane(left, details());
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.58);
        return split;
    }

    private VBox details() {
        Label heading = new Label("Select an event to see its details");
        heading.getStyleClass().add("details-title");
        heading.setId("detailsTitle");
        Label seq = value("detailsSequence");
        Label at = value("detailsTime");
        Label hash = value("detailsHash");
        Label prev = value("detailsPrevHash");
        hash.getStyleClass().add("mono");
        prev.getStyleClass().add("mono");
        hash.setMinWidth(0);
        prev.setMinWidth(0);
        GridPane meta = new GridPane();
        meta.setHgap(12);
        meta.setVgap(4);
        meta.addRow(0, name("Sequence"), seq);
        meta.addRow(1, name("Time"), at);
        meta.addRow(2, name("Hash"), hash);
        meta.addRow(3, name("Prev hash"), prev);
        TextArea json = new TextArea();
        json.setId("detailsJson");
        json.setEditable(false);
        json.setWrapText(true);
        json.getStyleClass().add("json-area");
        json.setPromptText("The event's payload appears here as JSON.");
        VBox.setVgrow(json, Priority.ALWAYS);
        vm.selectedEventProperty().addListener((obs, old, e) -> {
            if (e == null) {
                heading.setText("Select an event to see its details");
                seq.setText("");
                at.setText("");
                hash.setText("");
                prev.setText("");
                json.setText("");
            } else {
                heading.setText(Formats.eventType(e.type()) + (e.step() > 0 ? " · step " + e.step() : ""));
                seq.setText(Long.toString(e.sequence()));
                at.setText(Formats.timestamp(e.occurredAt(), ZONE));
                hash.setText(e.hash().isEmpty() ? "—" : e.hash());
                prev.setText(e.prevHash().isEmpty() ? "— (first event)" : e.prevHash());
                json.setText(e.detailsJson());
            }
        });
        VBox box = new VBox(10, heading, meta, json);
        box.getStyleClass().add("details");
        box.setId("detailsPane");
        return box;
    }

    private void show(RunInfo run) {
        if (run == null) {
            title.setText("Loading run " + vm.runId() + "…");
            badge.show(null);
            return;
        }
        badge.show(run.state());
        boolean waiting = run.state() == dev.flightdeck.client.RunState.WAITING_APPROVAL;
        approvalBanner.setVisible(waiting);
        approvalBanner.setManaged(waiting);
        approvalText.setText(waiting ? "This run is paused: " + (run.statusMessage().isEmpty()
                ? "a tool call waits for approval" : run.statusMessage()) + ". Nothing executes until a reviewer decides."
                : "");
        title.setText(run.bundleName() + " @ " + RunsView.shortId(run.bundleVersion()));
        runId.setText(run.runId());
        tenant.setText(run.tenant().isEmpty() ? "—" : run.tenant());
        started.setText(Formats.timestamp(run.startedAt() != null ? run.startedAt() : run.createdAt(), ZONE)
                .replaceFirst("\\.\\d{3} .*$", ""));
        steps.setText(Integer.toString(run.stepCount()));
        tokens.setText(Formats.tokens(run.usage()));
        cost.setText(Formats.cost(run.usage()));
        input.setText(run.input());
        if (!run.output().isEmpty()) {
            outputName.setText("Output");
            output.setText(run.output());
        } else if (!run.statusMessage().isEmpty()) {
            outputName.setText("Status");
            output.setText(run.statusMessage()
                    + (run.terminalReason().isEmpty() ? "" : " (" + run.terminalReason().toLowerCase() + ")"));
        } else {
            outputName.setText("Output");
            output.setText(run.state().isTerminal() ? "—" : "(not finished yet)");
        }
        tick();
    }

    private void tick() {
        RunInfo run = vm.getRun();
        duration.setText(run == null ? "—" : Formats.duration(run.duration(clock.instant())));
    }

    static VBox fact(String name, Label value) {
        Label n = new Label(name.toUpperCase());
        n.getStyleClass().add("fact-name");
        return new VBox(2, n, value);
    }

    static Label value(String id) {
        Label l = new Label();
        l.setId(id);
        l.getStyleClass().add("fact-value");
        return l;
    }

    private static Label name(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("muted");
        l.setMinWidth(Region.USE_PREF_SIZE);
        return l;
    }

    /** One event in the timeline: sequence, time, step, type chip, summary. */
    private static final class EventCell extends ListCell<RunEventInfo> {
        private final Label seq = new Label();
        private final Label time = new Label();
        private final Label step = new Label();
        private final Label chip = new Label();
        private final Label summary = new Label();
        private final Label usage = new Label();
        private final HBox box = new HBox(10, seq, time, step, chip, summary, usage);

        EventCell() {
            getStyleClass().add("timeline-cell");
            // Never wider than the list: long summaries end in "…" instead of a horizontal scroll bar.
            setPrefWidth(0);
            seq.getStyleClass().add("seq");
            time.getStyleClass().addAll("time", "mono");
            step.getStyleClass().add("step");
            chip.getStyleClass().add("chip");
            summary.getStyleClass().add("summary");
            summary.setMinWidth(0);
            usage.getStyleClass().addAll("call-usage", "mono");
            usage.setId("callUsage");
            for (Label fixed : List.of(seq, time, step, chip, usage)) {
                fixed.setMinWidth(Region.USE_PREF_SIZE);
            }
            HBox.setHgrow(summary, Priority.ALWAYS);
            box.setAlignment(Pos.CENTER_LEFT);
        }

        @Override
        protected void updateItem(RunEventInfo e, boolean empty) {
            super.updateItem(e, empty);
            if (empty || e == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            seq.setText("#" + e.sequence());
            time.setText(Formats.timeOfDay(e.occurredAt(), ZONE));
            step.setText(e.step() > 0 ? "step " + e.step() : "");
            chip.getStyleClass().removeIf(c -> c.startsWith("chip-"));
            chip.getStyleClass().add("chip-" + family(e.type()));
            chip.setText(Formats.eventType(e.type()));
            // A model call's tokens, cost and latency get their own column.
            TimelineLine line = TimelineLine.of(e);
            summary.setText(line.headline());
            usage.setText(line.usage());
            usage.setVisible(!line.usage().isEmpty());
            usage.setManaged(!line.usage().isEmpty());
            setText(null);
            setGraphic(box);
        }

        private static String family(String type) {
            if (type.startsWith("model")) {
                return "model";
            }
            if (type.startsWith("tool")) {
                return "tool";
            }
            if (type.startsWith("approval")) {
                return "approval";
            }
            if (type.startsWith("guardrail") || type.startsWith("cancel")) {
                return "guardrail";
            }
            return "run";
        }
    }
}
