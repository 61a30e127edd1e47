package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.StartedRun;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.console.concurrent.UiExecutor;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;

/**
 * The console window: the connection, the notification area, the Runs, Approvals and Costs screens
 * and the open Run screens (one per run). Opening a run that is already open selects it.
 */
public final class ConsoleViewModel {
    /** The demo bundle {@code --demo} runs when the daemon has no runs yet. */
    public static final String DEMO_BUNDLE = "support-refund";
    public static final String DEMO_INPUT = "Hi, order A-1001 arrived damaged, can I get a refund?";

    /** Where the daemon's jar keeps the demo bundle. */
    static final String DEMO_BUNDLE_RESOURCE = "dev/flightdeck/daemon/bundle/demo/support-refund.yaml";

    private final UiExecutor ui;
    private final UserPrompts prompts;
    private final ConnectionViewModel connection;
    private final NotificationsViewModel notifications;
    private final RunsViewModel runs;
    private final ApprovalsViewModel approvals;
    private final CostsViewModel costs;
    /** Incremented each time something asks to show the Approvals screen (the window selects its tab). */
    private final javafx.beans.property.IntegerProperty approvalsRequests =
            new javafx.beans.property.SimpleIntegerProperty();
    private final ObservableList<RunViewModel> openRuns = FXCollections.observableArrayList();
    private final ObjectProperty<RunViewModel> selectedRun = new SimpleObjectProperty<>();
    private boolean demoPending;

    public ConsoleViewModel(UiExecutor ui, DaemonLocator locator, UserPrompts prompts, Clock clock,
                            java.time.Duration reconnectTimeout, boolean startDaemon) {
        this.ui = ui;
        this.prompts = prompts;
        this.notifications = new NotificationsViewModel(clock);
        this.connection = new ConnectionViewModel(ui, locator, prompts, notifications, clock, reconnectTimeout,
                startDaemon);
        this.runs = new RunsViewModel(ui, connection, notifications, clock);
        this.approvals = new ApprovalsViewModel(ui, connection, notifications, clock);
        this.costs = new CostsViewModel(ui, connection, notifications, clock);
        runs.addUpdateListener(info -> openRuns.forEach(r -> r.applyRunUpdate(info)));
        runs.addUpdateListener(costs::runChanged);
        runs.addLoadedListener(this::maybeStartDemo);
    }

    public ConnectionViewModel connection() {
        return connection;
    }

    public NotificationsViewModel notifications() {
        return notifications;
    }

    public RunsViewModel runs() {
        return runs;
    }

    public ApprovalsViewModel approvals() {
        return approvals;
    }

    public CostsViewModel costs() {
        return costs;
    }

    /** Changes each time the Approvals screen should come to the front. */
    public javafx.beans.property.ReadOnlyIntegerProperty approvalsRequestsProperty() {
        return approvalsRequests;
    }

    /** Brings the Approvals screen to the front with the pending approval of {@code runId} selected. */
    public void reviewApprovalOf(String runId) {
        approvals.selectPendingOf(runId);
        approvalsRequests.set(approvalsRequests.get() + 1);
    }

    public ObservableList<RunViewModel> openRuns() {
        return openRuns;
    }

    /** The Run screen in front; null when the Runs screen is. */
    public ObjectProperty<RunViewModel> selectedRunProperty() {
        return selectedRun;
    }

    /** Connects (and, with {@code demo}, starts the demo run once the daemon's runs are listed). */
    public void start(boolean demo) {
        demoPending = demo;
        connection.connect();
    }

    /** Opens (or brings to front) the Run screen of {@code runId}. */
    public RunViewModel openRun(String runId) {
        Optional<RunViewModel> open = openRuns.stream().filter(r -> r.runId().equals(runId)).findFirst();
        if (open.isPresent()) {
            selectedRun.set(open.get());
            return open.get();
        }
        RunViewModel vm = new RunViewModel(runId, ui, connection, notifications, prompts);
        openRuns.add(vm);
        vm.open();
        selectedRun.set(vm);
        return vm;
    }

    /** Closes a Run screen and its stream. */
    public void closeRun(RunViewModel vm) {
        vm.close();
        openRuns.remove(vm);
        if (selectedRun.get() == vm) {
            selectedRun.set(null);
        }
    }

    public NewRunViewModel newRun() {
        return new NewRunViewModel(ui, connection);
    }

    /** Closes every stream and the connection (the window is closing). */
    public void close() {
        openRuns.forEach(RunViewModel::close);
        runs.close();
        approvals.close();
        costs.close();
        connection.close();
    }

    /**
     * Starts the demo run. A daemon installs the demo bundle into a fresh data directory; if this
     * one does not have it, it is pushed from the daemon's jar on the console's class path first.
     */
    private static StartedRun startDemoRun(DaemonClient client) {
        try {
            return client.startRun(DEMO_BUNDLE, DEMO_INPUT, "demo", "console-demo-first-run");
        } catch (DaemonCallException e) {
            if (!"NOT_FOUND".equals(e.code())) {
                throw e;
            }
            String yaml = demoBundleYaml().orElseThrow(() -> e);
            client.pushBundle(yaml);
            return client.startRun(DEMO_BUNDLE, DEMO_INPUT, "demo", "console-demo-first-run");
        }
    }

    private static Optional<String> demoBundleYaml() {
        try (InputStream in = ConsoleViewModel.class.getClassLoader().getResourceAsStream(DEMO_BUNDLE_RESOURCE)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void maybeStartDemo() {
        if (!demoPending) {
            return;
        }
        demoPending = false;
        if (runs.totalCount() > 0) {
            return;
        }
        DaemonClient client = connection.getClient();
        if (client == null) {
            return;
        }
        notifications.info("Demo", "Starting a run of the " + DEMO_BUNDLE + " bundle…");
        ui.submit(() -> startDemoRun(client), started -> {
            RunInfo run = started.run();
            runs.apply(run);
            openRun(run.runId());
        }, e -> notifications.error("Cannot start the demo run", e));
    }
}
