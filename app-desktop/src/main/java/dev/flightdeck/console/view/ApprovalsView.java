package dev.flightdeck.console.view;

import atlantafx.base.theme.Styles;
import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.ApprovalKind;
import dev.flightdeck.client.JsonText;
import dev.flightdeck.console.viewmodel.ApprovalsViewModel;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.Formats;
import javafx.animation.Animation;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.geometry.VPos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

import java.time.ZoneId;

/**
 * The Approvals screen: the pending queue and the decided approvals on the left; on the right the
 * selected approval (call, arguments, run context, what gated it) and the reviewer's decision.
 */
final class ApprovalsView extends SplitPane {
    private static final ZoneId ZONE = ZoneId.systemDefault();

    private final ApprovalsViewModel vm;
    private final ConsoleViewModel console;
    private final ListView<ApprovalInfo> pendingList;
    private final ListView<ApprovalInfo> decidedList;
    private final Timeline ticker;

    ApprovalsView(ConsoleViewModel console) {
        this.console = console;
        this.vm = console.approvals();
        getStyleClass().add("approvals-view");

        pendingList = new ListView<>(vm.pending());
        pendingList.setId("pendingApprovals");
        pendingList.setCellFactory(l -> new ApprovalCell(true));
        Label noPending = new Label("No approvals waiting");
        noPending.getStyleClass().add("empty-state");
        pendingList.setPlaceholder(noPending);
        decidedList = new ListView<>(vm.decided());
        decidedList.setId("decidedApprovals");
        decidedList.setCellFactory(l -> new ApprovalCell(false));
        Label noDecided = new Label("Nothing decided yet");
        noDecided.getStyleClass().add("empty-state");
        decidedList.setPlaceholder(noDecided);
        VBox.setVgrow(pendingList, Priority.ALWAYS);
        VBox.setVgrow(decidedList, Priority.ALWAYS);
        pendingList.getSelectionModel().selectedItemProperty().addListener((o, old, a) -> {
            if (a != null) {
                decidedList.getSelectionModel().clearSelection();
                vm.selectedProperty().set(a);
            }
        });
        decidedList.getSelectionModel().selectedItemProperty().addListener((o, old, a) -> {
            if (a != null) {
                pendingList.getSelectionModel().clearSelection();
                vm.selectedProperty().set(a);
            }
        });
        vm.selectedProperty().addListener((o, old, a) -> reflectSelection(a));

        Label title = new Label("Approvals");
        title.getStyleClass().add("screen-title");
        Label count = new Label();
        count.getStyleClass().add("muted");
        count.textProperty().bind(Bindings.createStringBinding(() -> vm.pendingCountProperty().get() + " pending",
                vm.pendingCountProperty()));
        Button refresh = new Button("Refresh");
        refresh.getStyleClass().add(Styles.FLAT);
        refresh.setOnAction(e -> vm.refresh());
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox bar = new HBox(10, title, count, spacer, refresh);
        bar.setAlignment(Pos.CENTER_LEFT);
        Label pendingName = section("Waiting for a decision");
        Label decidedName = section("Decided");
        Label error = new Label();
        error.getStyleClass().add(Styles.DANGER);
        error.setWrapText(true);
        error.textProperty().bind(vm.errorProperty());
        error.visibleProperty().bind(vm.errorProperty().isNotEmpty());
        error.managedProperty().bind(error.visibleProperty());
        VBox left = new VBox(8, bar, error, pendingName, pendingList, decidedName, decidedList);
        left.getStyleClass().add("screen");
        left.setMinWidth(320);

        StackPane right = new StackPane();
        Label nothing = new Label("Select an approval to review it.");
        nothing.getStyleClass().add("empty-state");
        ScrollPane details = new ScrollPane(details());
        details.setFitToWidth(true);
        details.visibleProperty().bind(vm.selectedProperty().isNotNull());
        nothing.visibleProperty().bind(vm.selectedProperty().isNull());
        right.getChildren().addAll(nothing, details);

        getItems().addAll(left, right);
        setDividerPositions(0.4);

        ticker = new Timeline(new KeyFrame(Duration.seconds(5), e -> pendingList.refresh()));
        ticker.setCycleCount(Animation.INDEFINITE);
        sceneProperty().addListener((obs, old, scene) -> {
            if (scene != null) {
                ticker.play();
            } else {
                ticker.stop();
            }
        });
    }

    private void reflectSelection(ApprovalInfo a) {
        if (a == null) {
            return;
        }
        ListView<ApprovalInfo> list = a.isPending() ? pendingList : decidedList;
        ListView<ApprovalInfo> other = a.isPending() ? decidedList : pendingList;
        int index = list.getItems().indexOf(a);
        if (index >= 0 && list.getSelectionModel().getSelectedIndex() != index) {
            list.getSelectionModel().select(index);
            list.scrollTo(index);
            other.getSelectionModel().clearSelection();
        }
    }

    private VBox details() {
        Label tool = new Label();
        tool.setId("approvalTool");
        tool.getStyleClass().add("run-title");
        Label kind = new Label();
        kind.getStyleClass().add("kind-chip");
        Label state = new Label();
        state.setId("approvalState");
        state.getStyleClass().add("badge");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button openRun = new Button("Open run");
        openRun.setId("openApprovalRun");
        openRun.getStyleClass().add(Styles.FLAT);
        openRun.setOnAction(e -> {
            ApprovalInfo a = vm.selectedProperty().get();
            if (a != null) {
                console.openRun(a.runId());
            }
        });
        HBox top = new HBox(10, tool, kind, state, spacer, openRun);
        top.setAlignment(Pos.CENTER_LEFT);

        Label gatedBy = wrapping("approvalReason");
        Label run = mono();
        Label bundle = mono();
        Label tenant = new Label();
        Label step = new Label();
        Label requested = new Label();
        Label input = wrapping("approvalRunInput");
        input.setMaxHeight(60);
        GridPane facts = new GridPane();
        facts.setHgap(12);
        facts.setVgap(6);
        facts.addRow(0, name("Gated by"), gatedBy);
        facts.addRow(1, name("Run"), run);
        facts.addRow(2, name("Bundle"), bundle);
        facts.addRow(3, name("Tenant"), tenant);
        facts.addRow(4, name("Step"), step);
        facts.addRow(5, name("Requested"), requested);
        facts.addRow(6, name("Run input"), input);
        facts.getChildren().forEach(n -> GridPane.setValignment(n, VPos.TOP));
        GridPane.setHgrow(gatedBy, Priority.ALWAYS);

        TextArea arguments = new TextArea();
        arguments.setId("approvalArguments");
        arguments.setEditable(false);
        arguments.getStyleClass().add("mono");
        arguments.setPrefRowCount(5);
        arguments.textProperty().bind(vm.argumentsTextProperty());
        Label argumentsName = section("Arguments");

        // Decision (pending only)
        TextField reviewer = new TextField();
        reviewer.setId("approvalReviewer");
        reviewer.textProperty().bindBidirectional(vm.reviewerProperty());
        TextField reason = new TextField();
        reason.setId("approvalDecisionReason");
        reason.setPromptText("Why (required to reject; the agent is told)");
        reason.textProperty().bindBidirectional(vm.reasonProperty());
        TextArea edited = new TextArea();
        edited.setId("approvalEditedArguments");
        edited.getStyleClass().add("mono");
        edited.setPrefRowCount(5);
        edited.textProperty().bindBidirectional(vm.editedArgumentsProperty());
        Label editedName = section("Arguments to execute — edit them, then Approve with edits");
        GridPane who = new GridPane();
        who.setHgap(12);
        who.setVgap(6);
        who.addRow(0, name("Reviewer"), reviewer);
        who.addRow(1, name("Reason"), reason);
        GridPane.setHgrow(reason, Priority.ALWAYS);

        Button approve = button("approveButton", "Approve", Styles.SUCCESS, vm::approve);
        Button approveEdits = button("approveWithEditsButton", "Approve with edits", Styles.ACCENT, vm::approveWithEdits);
        Button reject = button("rejectButton", "Reject", Styles.DANGER, vm::reject);
        Button retry = button("retryButton", "Retry the call", Styles.ACCENT, vm::retry);
        Button record = button("recordResultButton", "Record result", Styles.SUCCESS, vm::recordResult);
        Button failRun = button("failRunButton", "Fail the run", Styles.DANGER, vm::failRun);
        HBox gatedButtons = new HBox(8, approve, approveEdits, reject);
        HBox ambiguousButtons = new HBox(8, retry, record, failRun);
        Label decisionError = wrapping("approvalDecisionError");
        decisionError.getStyleClass().add(Styles.DANGER);
        decisionError.textProperty().bind(vm.decisionErrorProperty());
        decisionError.visibleProperty().bind(vm.decisionErrorProperty().isNotEmpty());
        decisionError.managedProperty().bind(decisionError.visibleProperty());
        VBox decide = new VBox(8, section("Decision"), who, editedName, edited, gatedButtons, ambiguousButtons,
                decisionError);
        decide.getStyleClass().add("decision-box");
        decide.disableProperty().bind(vm.busyProperty());

        Label outcome = wrapping("approvalOutcome");
        outcome.getStyleClass().add("decision-outcome");
        VBox decidedBox = new VBox(8, section("Decision"), outcome);

        VBox box = new VBox(12, top, facts, argumentsName, arguments, decide, decidedBox);
        box.setPadding(new Insets(14, 16, 14, 16));

        Runnable render = () -> {
            ApprovalInfo a = vm.selectedProperty().get();
            if (a == null) {
                return;
            }
            boolean ambiguous = a.kind() == ApprovalKind.AMBIGUOUS_TOOL_CALL;
            tool.setText(a.toolName());
            kind.setText(ambiguous ? "ambiguous call" : "gated call");
            state.getStyleClass().removeIf(c -> c.startsWith("badge-"));
            state.getStyleClass().add(a.isPending() ? "badge-waiting_approval"
                    : a.decision() == null || a.decision().name().startsWith("APPROVE") || a.decision().name().equals("RETRY")
                    || a.decision().name().equals("RECORD_RESULT") ? "badge-succeeded" : "badge-failed");
            state.setText(Formats.decision(a));
            gatedBy.setText(a.reason() + (ambiguous && !a.policy().isEmpty() ? "  (bundle policy: " + a.policy() + ")" : ""));
            run.setText(a.runId());
            bundle.setText(a.bundleRef());
            tenant.setText(a.tenant());
            step.setText(Integer.toString(a.step()));
            requested.setText(Formats.timestamp(a.createdAt(), ZONE).replaceFirst("\\.\\d{3} .*$", "")
                    + (a.isPending() ? "  (waiting " + Formats.duration(a.age(vm.clock().instant())) + ")" : ""));
            argumentsName.setText(a.decision() == dev.flightdeck.client.ApprovalDecision.APPROVE_WITH_EDITS
                    ? "Arguments (as edited by the reviewer)" : "Arguments");
            editedName.setText(ambiguous ? "Result to record (JSON) — for Record result"
                    : "Arguments to execute — edit them, then Approve with edits");
            show(decide, a.isPending());
            show(gatedButtons, !ambiguous);
            show(ambiguousButtons, ambiguous);
            show(decidedBox, !a.isPending());
            outcome.setText(outcome(a));
        };
        vm.selectedProperty().addListener((o, old, a) -> render.run());
        Runnable showInput = () -> {
            var r = vm.selectedRunProperty().get();
            String problem = vm.runContextProblemProperty().get();
            input.setText(r != null ? r.input() : problem.isEmpty() ? "…" : problem);
        };
        vm.selectedRunProperty().addListener((o, old, r) -> showInput.run());
        vm.runContextProblemProperty().addListener((o, old, p) -> showInput.run());
        render.run();
        return box;
    }

    private static String outcome(ApprovalInfo a) {
        if (a.isPending()) {
            return "";
        }
        StringBuilder s = new StringBuilder(Formats.decision(a));
        if (!a.reviewer().isEmpty()) {
            s.append(" by ").append(a.reviewer());
        }
        if (a.decidedAt() != null) {
            s.append(" at ").append(Formats.timestamp(a.decidedAt(), ZONE).replaceFirst("\\.\\d{3} ", " "));
        }
        if (!a.decisionReason().isEmpty()) {
            s.append("\n“").append(a.decisionReason()).append("”");
        }
        if (!a.manualResultJson().isEmpty()) {
            s.append("\nRecorded result: ").append(JsonText.pretty(a.manualResultJson()));
        }
        return s.toString();
    }

    private static void show(javafx.scene.Node n, boolean visible) {
        n.setVisible(visible);
        n.setManaged(visible);
    }

    private static Button button(String id, String text, String style, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        b.getStyleClass().add(style);
        b.setOnAction(e -> action.run());
        return b;
    }

    private static Label section(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("section-title");
        return l;
    }

    private static Label name(String text) {
        Label l = new Label(text.toUpperCase());
        l.getStyleClass().add("fact-name");
        l.setMinWidth(Region.USE_PREF_SIZE);
        return l;
    }

    private static Label mono() {
        Label l = new Label();
        l.getStyleClass().add("mono");
        return l;
    }

    private static Label wrapping(String id) {
        Label l = new Label();
        l.setId(id);
        l.setWrapText(true);
        return l;
    }

    /** One approval in a list: tool, run and tenant, age or decision, what gated it. */
    private final class ApprovalCell extends ListCell<ApprovalInfo> {
        private final boolean pending;
        private final Label tool = new Label();
        private final Label meta = new Label();
        private final Label detail = new Label();
        private final VBox box = new VBox(2, tool, meta, detail);

        ApprovalCell(boolean pending) {
            this.pending = pending;
            tool.getStyleClass().add("approval-tool");
            meta.getStyleClass().addAll("muted", Styles.TEXT_SMALL);
            detail.getStyleClass().add(Styles.TEXT_SMALL);
            getStyleClass().add("approval-cell");
        }

        @Override
        protected void updateItem(ApprovalInfo a, boolean empty) {
            super.updateItem(a, empty);
            if (empty || a == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            tool.setText(a.toolName() + (a.kind() == ApprovalKind.AMBIGUOUS_TOOL_CALL ? "  · ambiguous call" : ""));
            String run = a.runId().length() > 16 ? a.runId().substring(0, 16) + "…" : a.runId();
            if (pending) {
                meta.setText(run + " · " + a.tenant() + " · waiting " + Formats.duration(a.age(vm.clock().instant())));
                detail.setText(a.reason());
            } else {
                meta.setText(run + " · " + a.tenant());
                detail.setText(Formats.decision(a) + (a.reviewer().isEmpty() ? "" : " by " + a.reviewer())
                        + (a.decidedAt() == null ? "" : " · " + Formats.timeOfDay(a.decidedAt(), ZONE)
                                .replaceFirst("\\.\\d{3}$", ""))
                        + (a.decisionReason().isEmpty() ? "" : " — " + a.decisionReason()));
            }
            setText(null);
            setGraphic(box);
        }
    }
}
