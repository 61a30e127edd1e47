package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.ApprovalDecision;
import dev.flightdeck.client.ApprovalFilter;
import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.ApprovalKind;
import dev.flightdeck.client.ApprovalState;
import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DecideApproval;
import dev.flightdeck.client.JsonText;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.client.Subscription;
import dev.flightdeck.console.concurrent.UiExecutor;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Approvals screen: pending approvals (oldest first: the queue a reviewer works through) and
 * decided ones (most recent first), kept current by {@code WatchApprovals} (listed again after every
 * reconnect); the selected approval's details and run context; the reviewer's decision.
 */
public final class ApprovalsViewModel {
    /**
     * How many decided approvals the screen lists at most. Pending ones are never cut off: they are
     * the reviewer's queue, and one left off the list would wait for a decision nobody can see.
     */
    static final int LIST_LIMIT = 500;

    private final UiExecutor ui;
    private final ConnectionViewModel connection;
    private final NotificationsViewModel notifications;
    private final Clock clock;

    private final Map<String, ApprovalInfo> byId = new HashMap<>();
    private final ObservableList<ApprovalInfo> pending = FXCollections.observableArrayList();
    private final ObservableList<ApprovalInfo> decided = FXCollections.observableArrayList();
    private final ReadOnlyIntegerWrapper pendingCount = new ReadOnlyIntegerWrapper();
    private final ObjectProperty<ApprovalInfo> selected = new SimpleObjectProperty<>();
    private final ReadOnlyObjectWrapper<RunInfo> selectedRun = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper argumentsText = new ReadOnlyStringWrapper("");
    private final StringProperty editedArguments = new SimpleStringProperty("");
    private final StringProperty reason = new SimpleStringProperty("");
    /** Why the selected approval's run context could not be loaded; empty when it was (or is loading). */
    private final StringProperty runContextProblem = new SimpleStringProperty("");
    private final StringProperty reviewer = new SimpleStringProperty(DecideApproval.osUser());
    private final ReadOnlyStringWrapper decisionError = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper();
    private final ReadOnlyBooleanWrapper loaded = new ReadOnlyBooleanWrapper();

    private final LiveListing<ApprovalInfo> listing;

    public ApprovalsViewModel(UiExecutor ui, ConnectionViewModel connection, NotificationsViewModel notifications,
                              Clock clock) {
        this.ui = ui;
        this.connection = connection;
        this.notifications = notifications;
        this.clock = clock;
        selected.addListener((obs, old, a) -> selectionChanged(old, a));
        listing = new LiveListing<>(ui, connection, notifications, "approval", new LiveListing.Source<>() {
            @Override
            public Subscription watch(DaemonClient client, StreamListener<ApprovalInfo> listener) {
                return client.watchApprovals(ApprovalFilter.ALL, listener);
            }

            @Override
            public List<ApprovalInfo> list(DaemonClient client) {
                // Every page of the pending ones, then the newest page of all (for the decided list).
                List<ApprovalInfo> listed = new ArrayList<>(client.listAllApprovals(ApprovalFilter.PENDING));
                listed.addAll(client.listApprovals(ApprovalFilter.ALL, LIST_LIMIT, "").items());
                return listed;
            }
        }, new LiveListing.Screen<>() {
            @Override
            public void apply(List<ApprovalInfo> approvals) {
                approvals.forEach(ApprovalsViewModel.this::apply);
            }

            @Override
            public void listed() {
                loaded.set(true);
                if (selected.get() == null && !pending.isEmpty()) {
                    selected.set(pending.get(0)); // the oldest waits longest: start there
                }
            }
        });
        listing.start();
    }

    // ---- what the view binds to ---------------------------------------------------------------

    /** Approvals waiting for a decision, oldest first. */
    public ObservableList<ApprovalInfo> pending() {
        return pending;
    }

    /** Decided or closed approvals, most recently decided first. */
    public ObservableList<ApprovalInfo> decided() {
        return decided;
    }

    /** The number on the tab's badge. */
    public ReadOnlyIntegerProperty pendingCountProperty() {
        return pendingCount.getReadOnlyProperty();
    }

    /** The approval whose details show; null when none. */
    public ObjectProperty<ApprovalInfo> selectedProperty() {
        return selected;
    }

    /** The selected approval's run (bundle, input, status), once read from the daemon. */
    public ReadOnlyObjectProperty<RunInfo> selectedRunProperty() {
        return selectedRun.getReadOnlyProperty();
    }

    /** The selected approval's arguments, formatted. */
    public ReadOnlyStringProperty argumentsTextProperty() {
        return argumentsText.getReadOnlyProperty();
    }

    /** The reviewer's edit of the arguments (starts as the proposed arguments). */
    public StringProperty editedArgumentsProperty() {
        return editedArguments;
    }

    /** Why: required to reject, optional to approve. */
    public ReadOnlyStringProperty runContextProblemProperty() {
        return runContextProblem;
    }

    public StringProperty reasonProperty() {
        return reason;
    }

    /** Who decides; the OS user unless changed. */
    public StringProperty reviewerProperty() {
        return reviewer;
    }

    /** Why the last decision was refused (validation or the daemon's answer); empty when none. */
    public ReadOnlyStringProperty decisionErrorProperty() {
        return decisionError.getReadOnlyProperty();
    }

    /** The last error of this screen (listing, live updates); empty when none. */
    public ReadOnlyStringProperty errorProperty() {
        return listing.errorProperty();
    }

    /** True while a decision is on its way. */
    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    /** True once the first listing arrived. */
    public ReadOnlyBooleanProperty loadedProperty() {
        return loaded.getReadOnlyProperty();
    }

    public Clock clock() {
        return clock;
    }

    // ---- actions ------------------------------------------------------------------------------

    /** Selects the pending approval of {@code runId} (the Run screen's shortcut); false when there is none. */
    public boolean selectPendingOf(String runId) {
        return pending.stream().filter(a -> a.runId().equals(runId)).findFirst().map(a -> {
            selected.set(a);
            return true;
        }).orElse(false);
    }

    /** Lets the selected gated call execute as proposed. */
    public void approve() {
        decide(a -> DecideApproval.approve(a.approvalId(), reason.get(), reviewer.get()));
    }

    /** Lets the selected gated call execute with the edited arguments (checked here and by the daemon). */
    public void approveWithEdits() {
        String problem = JsonText.objectProblem(editedArguments.get());
        if (problem != null) {
            decisionError.set("Edited arguments: " + problem);
            return;
        }
        decide(a -> DecideApproval.approveWithEdits(a.approvalId(), editedArguments.get(), reason.get(),
                reviewer.get()));
    }

    /** The selected gated call never executes; the reason goes back to the agent. */
    public void reject() {
        if (reason.get() == null || reason.get().isBlank()) {
            decisionError.set("A reason is required to reject: the agent is told why.");
            return;
        }
        decide(a -> DecideApproval.reject(a.approvalId(), reason.get(), reviewer.get()));
    }

    /** Ambiguous call: execute it again. */
    public void retry() {
        decide(a -> DecideApproval.retry(a.approvalId(), reason.get(), reviewer.get()));
    }

    /** Ambiguous call: record the edited text as the tool's result instead of executing it. */
    public void recordResult() {
        decide(a -> DecideApproval.recordResult(a.approvalId(), editedArguments.get(), reason.get(), reviewer.get()));
    }

    /** Ambiguous call: end the run FAILED. */
    public void failRun() {
        if (reason.get() == null || reason.get().isBlank()) {
            decisionError.set("A reason is required to fail the run.");
            return;
        }
        decide(a -> DecideApproval.failRun(a.approvalId(), reason.get(), reviewer.get()));
    }

    /** Lists again. */
    public void refresh() {
        listing.refresh();
    }

    /** Applies an approval's new state; a decided approval never goes back to pending. */
    public void apply(ApprovalInfo a) {
        ApprovalInfo known = byId.get(a.approvalId());
        if (known != null && known.state() != ApprovalState.PENDING && a.state() == ApprovalState.PENDING) {
            return;
        }
        if (a.equals(known)) {
            return;
        }
        byId.put(a.approvalId(), a);
        rebuild();
        ApprovalInfo sel = selected.get();
        if (sel != null && sel.approvalId().equals(a.approvalId())) {
            selected.set(a);
        }
    }

    public void close() {
        listing.stop();
    }

    // ---- plumbing -----------------------------------------------------------------------------

    private interface Decision {
        DecideApproval of(ApprovalInfo a);
    }

    private void decide(Decision decision) {
        ApprovalInfo a = selected.get();
        DaemonClient client = connection.getClient();
        if (a == null || client == null || busy.get()) {
            return;
        }
        if (reviewer.get() == null || reviewer.get().isBlank()) {
            decisionError.set("Say who decides (Reviewer).");
            return;
        }
        DecideApproval request = decision.of(a);
        decisionError.set("");
        busy.set(true);
        ui.submit(() -> client.decideApproval(request), done -> {
            busy.set(false);
            apply(done);
            notifications.info("Approval decided", Formats.decision(done) + ": " + done.toolName() + " in run "
                    + done.runId() + " (by " + done.reviewer() + ")");
        }, e -> {
            busy.set(false);
            decisionError.set(NotificationsViewModel.describe(e));
            if (e instanceof DaemonCallException d && d.isUnavailable()) {
                connection.connectionLost(client);
            }
        });
    }

    private void selectionChanged(ApprovalInfo old, ApprovalInfo a) {
        boolean sameApproval = old != null && a != null && old.approvalId().equals(a.approvalId());
        if (a == null) {
            argumentsText.set("");
            selectedRun.set(null);
            return;
        }
        String shown = a.decision() == ApprovalDecision.APPROVE_WITH_EDITS ? a.editedArgumentsJson() : a.argumentsJson();
        argumentsText.set(JsonText.pretty(shown));
        if (sameApproval) {
            return; // an update of the same approval keeps what the reviewer typed
        }
        editedArguments.set(a.kind() == ApprovalKind.AMBIGUOUS_TOOL_CALL ? "" : JsonText.pretty(a.argumentsJson()));
        reason.set("");
        decisionError.set("");
        selectedRun.set(null);
        runContextProblem.set("");
        DaemonClient client = connection.getClient();
        if (client != null) {
            ui.submit(() -> client.getRun(a.runId()), run -> {
                ApprovalInfo now = selected.get();
                if (now != null && now.runId().equals(run.runId())) {
                    selectedRun.set(run);
                }
            }, e -> {
                // The approval itself still shows and can be decided; say why its context is missing.
                ApprovalInfo now = selected.get();
                if (now != null && now.runId().equals(a.runId())) {
                    runContextProblem.set("run details unavailable: " + NotificationsViewModel.describe(e));
                }
            });
        }
    }

    private void rebuild() {
        List<ApprovalInfo> p = byId.values().stream().filter(ApprovalInfo::isPending)
                .sorted(Comparator.comparing(ApprovalInfo::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
                        .thenComparing(ApprovalInfo::approvalId))
                .toList();
        List<ApprovalInfo> d = byId.values().stream().filter(a -> !a.isPending())
                .sorted(Comparator.comparing(ApprovalInfo::decidedAt, Comparator.nullsLast(Comparator.reverseOrder()))
                        .thenComparing(ApprovalInfo::approvalId))
                .limit(LIST_LIMIT).toList();
        if (!p.equals(pending)) {
            pending.setAll(p);
        }
        if (!d.equals(decided)) {
            decided.setAll(d);
        }
        pendingCount.set(p.size());
    }
}
