package dev.flightdeck.console.view;

import atlantafx.base.controls.Message;
import atlantafx.base.theme.Styles;
import dev.flightdeck.console.viewmodel.ConnectionViewModel;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.Notice;
import dev.flightdeck.console.viewmodel.RunViewModel;
import javafx.animation.PauseTransition;
import javafx.collections.ListChangeListener;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.Window;
import javafx.util.Duration;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The console window: header, notification area, tabs (Runs, Approvals, Costs + one per open run),
 * status bar.
 * Binds to {@link ConsoleViewModel}; holds no state of its own beyond the tab per run.
 */
public final class ConsoleWindow extends BorderPane {
    public static final String STYLESHEET =
            ConsoleWindow.class.getResource("/dev/flightdeck/console/view/console.css").toExternalForm();

    private final ConsoleViewModel console;
    private final Clock clock;
    private final TabPane tabs = new TabPane();
    private final Tab runsTab;
    private final Tab approvalsTab;
    private final Tab costsTab;
    private final Map<RunViewModel, Tab> runTabs = new HashMap<>();

    public ConsoleWindow(ConsoleViewModel console, Clock clock) {
        this.console = console;
        this.clock = clock;
        getStyleClass().add("console-window");

        runsTab = new Tab("Runs", new RunsView(console, this::openNewRunDialog));
        runsTab.setClosable(false);
        runsTab.setId("runsTab");
        approvalsTab = new Tab("Approvals", new ApprovalsView(console));
        approvalsTab.setClosable(false);
        approvalsTab.setId("approvalsTab");
        Label badge = new Label();
        badge.setId("approvalsBadge");
        badge.getStyleClass().add("tab-badge");
        badge.textProperty().bind(console.approvals().pendingCountProperty().asString());
        badge.visibleProperty().bind(console.approvals().pendingCountProperty().greaterThan(0));
        badge.managedProperty().bind(badge.visibleProperty());
        HBox tabLabel = new HBox(6, new Label("Approvals"), badge);
        tabLabel.setId("approvalsTabLabel");
        tabLabel.setAlignment(Pos.CENTER_LEFT);
        approvalsTab.setText(null);
        approvalsTab.setGraphic(tabLabel);
        costsTab = new Tab("Costs", new CostsView(console));
        costsTab.setClosable(false);
        costsTab.setId("costsTab");
        tabs.getTabs().addAll(runsTab, approvalsTab, costsTab);
        console.approvalsRequestsProperty().addListener((obs, old, n) -> tabs.getSelectionModel().select(approvalsTab));
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.ALL_TABS);
        tabs.setId("tabs");

        VBox top = new VBox(header(), notices());
        setTop(top);
        setCenter(tabs);
        setBottom(statusBar());

        console.openRuns().addListener((ListChangeListener<RunViewModel>) c -> {
            while (c.next()) {
                c.getRemoved().forEach(vm -> {
                    Tab t = runTabs.remove(vm);
                    if (t != null) {
                        tabs.getTabs().remove(t);
                    }
                });
                c.getAddedSubList().forEach(this::addRunTab);
            }
        });
        console.selectedRunProperty().addListener((obs, old, vm) -> {
            Tab shown = tabs.getSelectionModel().getSelectedItem();
            if (vm == null && (shown == approvalsTab || shown == costsTab)) {
                return; // no run in front because another screen is
            }
            Tab t = vm == null ? runsTab : runTabs.get(vm);
            if (t != null) {
                tabs.getSelectionModel().select(t);
            }
        });
        tabs.getSelectionModel().selectedItemProperty().addListener((obs, old, tab) -> {
            // The Costs screen queries only while it is in front.
            console.costs().setActive(tab == costsTab);
            RunViewModel vm = tab == null || !(tab.getUserData() instanceof RunViewModel r) ? null : r;
            if (console.selectedRunProperty().get() != vm) {
                console.selectedRunProperty().set(vm);
            }
        });
    }

    /** A scene of this window with the console's stylesheet. */
    public Scene createScene(double width, double height) {
        Scene scene = new Scene(this, width, height);
        scene.getStylesheets().add(STYLESHEET);
        return scene;
    }

    private void addRunTab(RunViewModel vm) {
        Tab tab = new Tab(shortRunId(vm.runId()), new RunView(vm, clock, console::reviewApprovalOf));
        tab.setUserData(vm);
        tab.setId("run-" + vm.runId());
        tab.setOnClosed(e -> console.closeRun(vm));
        vm.runProperty().addListener((obs, old, run) -> {
            if (run != null) {
                tab.setText(run.bundleName() + " · " + shortRunId(run.runId()));
            }
        });
        runTabs.put(vm, tab);
        tabs.getTabs().add(tab);
    }

    private static String shortRunId(String id) {
        return id.length() > 14 ? id.substring(0, 14) + "…" : id;
    }

    private HBox header() {
        Label title = new Label("Flightdeck");
        title.getStyleClass().add("app-title");
        Label subtitle = new Label("Console");
        subtitle.getStyleClass().add("app-subtitle");
        HBox header = new HBox(title, subtitle);
        header.getStyleClass().add("app-header");
        return header;
    }

    private VBox notices() {
        VBox box = new VBox();
        box.getStyleClass().add("notices");
        box.setId("notices");
        Runnable render = () -> {
            box.getChildren().clear();
            for (Notice n : console.notifications().notices()) {
                Message m = new Message(n.title(), n.text());
                m.getStyleClass().add(switch (n.level()) {
                    case ERROR -> Styles.DANGER;
                    case WARNING -> Styles.WARNING;
                    case INFO -> Styles.ACCENT;
                });
                m.setOnClose(e -> console.notifications().dismiss(n));
                box.getChildren().add(m);
                if (n.level() == Notice.Level.INFO) {
                    PauseTransition expire = new PauseTransition(Duration.seconds(8));
                    expire.setOnFinished(e -> console.notifications().dismiss(n));
                    expire.play();
                }
            }
            box.setVisible(!box.getChildren().isEmpty());
            box.setManaged(box.isVisible());
        };
        console.notifications().notices().addListener((ListChangeListener<Notice>) c -> render.run());
        render.run();
        return box;
    }

    private HBox statusBar() {
        ConnectionViewModel connection = console.connection();
        Region dot = new Region();
        dot.getStyleClass().add("status-dot");
        Label text = new Label();
        text.setId("connectionStatus");
        text.textProperty().bind(connection.statusTextProperty());
        ProgressIndicator progress = new ProgressIndicator();
        progress.setPrefSize(14, 14);
        progress.setMaxSize(14, 14);
        progress.visibleProperty().bind(connection.busyProperty());
        progress.managedProperty().bind(progress.visibleProperty());
        Button start = new Button("Start daemon");
        start.setId("startDaemonButton");
        start.getStyleClass().addAll(Styles.SMALL, Styles.ACCENT);
        start.visibleProperty().bind(connection.canStartDaemonProperty());
        start.managedProperty().bind(start.visibleProperty());
        start.setOnAction(e -> connection.startDaemon());
        connection.stateProperty().addListener((obs, old, s) -> styleDot(dot, s));
        styleDot(dot, connection.getState());
        HBox bar = new HBox(dot, progress, text, start);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("status-bar");
        return bar;
    }

    private static void styleDot(Region dot, ConnectionViewModel.State s) {
        dot.getStyleClass().removeAll("connected", "lost", "busy");
        dot.getStyleClass().add(switch (s) {
            case CONNECTED -> "connected";
            case NO_DAEMON -> "lost";
            default -> "busy";
        });
    }

    private void openNewRunDialog() {
        if (console.connection().getClient() == null) {
            return;
        }
        Window owner = getScene() == null ? null : getScene().getWindow();
        NewRunDialog dialog = new NewRunDialog(owner, console.newRun(), STYLESHEET);
        dialog.showAndWait().ifPresent(run -> {
            console.runs().apply(run);
            console.openRun(run.runId());
        });
    }
}
