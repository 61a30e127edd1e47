package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.console.concurrent.StreamBatcher;
import dev.flightdeck.console.concurrent.UiExecutor;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ChangeListener;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The Run screen of one run: its header (status, bundle, tenant, input, output) and its events,
 * followed live from sequence 0. After a reconnect it resumes from the last sequence it holds;
 * events are kept in sequence order, each exactly once (guarded by sequence).
 */
public final class RunViewModel {
    private static final Logger LOG = LoggerFactory.getLogger(RunViewModel.class);

    private final String runId;
    private final UiExecutor ui;
    private final ConnectionViewModel connection;
    private final NotificationsViewModel notifications;
    private final UserPrompts prompts;

    private final ReadOnlyObjectWrapper<RunInfo> run = new ReadOnlyObjectWrapper<>();
    private final ObservableList<RunEventInfo> events = FXCollections.observableArrayList();
    private final ObjectProperty<RunEventInfo> selectedEvent = new SimpleObjectProperty<>();
    private final ReadOnlyBooleanWrapper following = new ReadOnlyBooleanWrapper();
    private final ReadOnlyBooleanWrapper cancelling = new ReadOnlyBooleanWrapper();
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
    private final ChangeListener<DaemonClient> onClient = (obs, old, client) -> {
        if (client != null) {
            attach(client);
        } else {
            stopFollowing();
        }
    };

    private long lastSequence;
    private boolean complete;
    private boolean closed;
    private StreamBatcher<RunEventInfo> batcher;

    public RunViewModel(String runId, UiExecutor ui, ConnectionViewModel connection,
                        NotificationsViewModel notifications, UserPrompts prompts) {
        this.runId = runId;
        this.ui = ui;
        this.connection = connection;
        this.notifications = notifications;
        this.prompts = prompts;
    }

    /** Loads the run and starts following its events; follows the connection from now on. */
    public void open() {
        connection.clientProperty().addListener(onClient);
        if (connection.getClient() != null) {
            attach(connection.getClient());
        }
    }

    /** Stops the stream and forgets the connection (the screen closed). */
    public void close() {
        closed = true;
        connection.clientProperty().removeListener(onClient);
        stopFollowing();
    }

    public String runId() {
        return runId;
    }

    /** The run's latest state; null until loaded. */
    public ReadOnlyObjectProperty<RunInfo> runProperty() {
        return run.getReadOnlyProperty();
    }

    public RunInfo getRun() {
        return run.get();
    }

    /** The events received so far, in sequence order without gaps or duplicates. */
    public ObservableList<RunEventInfo> events() {
        return events;
    }

    public ObjectProperty<RunEventInfo> selectedEventProperty() {
        return selectedEvent;
    }

    /** The highest sequence held; a resumed stream starts after it. */
    public long lastSequence() {
        return lastSequence;
    }

    /** True while the live stream is open. */
    public ReadOnlyBooleanProperty followingProperty() {
        return following.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    /** True when the run can still be cancelled and no cancel is under way. */
    public BooleanBinding canCancelProperty() {
        return Bindings.createBooleanBinding(() -> run.get() != null && !run.get().state().isTerminal()
                && !cancelling.get(), run, cancelling);
    }

    /** A newer state of this run from the Runs screen's live updates. */
    public void applyRunUpdate(RunInfo info) {
        if (!info.runId().equals(runId)) {
            return;
        }
        RunInfo current = run.get();
        if (current == null || info.lastSequence() >= current.lastSequence()) {
            run.set(info);
        }
    }

    /** Asks for confirmation, then asks the daemon to cancel the run. */
    public void cancel() {
        DaemonClient client = connection.getClient();
        if (client == null || run.get() == null || run.get().state().isTerminal()) {
            return;
        }
        if (!prompts.confirm("Cancel run", "Cancel run " + runId + "?\nThe agent stops after its current step.",
                "Cancel run")) {
            return;
        }
        cancelling.set(true);
        ui.submit(() -> client.cancelRun(runId, "cancelled from the console", System.getProperty("user.name", "")),
                info -> {
                    cancelling.set(false);
                    applyRunUpdate(info);
                }, e -> {
                    cancelling.set(false);
                    failed(client, "Cannot cancel run", e);
                });
    }

    private void attach(DaemonClient client) {
        if (closed) {
            return;
        }
        refreshRun(client);
        if (!complete) {
            follow(client);
        }
    }

    private void refreshRun(DaemonClient client) {
        ui.submit(() -> client.getRun(runId), info -> {
            if (!closed) {
                applyRunUpdate(info);
            }
        }, e -> failed(client, "Cannot load run " + runId, e));
    }

    private void follow(DaemonClient client) {
        stopFollowing();
        StreamBatcher<RunEventInfo> b = new StreamBatcher<>(ui, new StreamBatcher.Sink<>() {
            @Override
            public void onBatch(List<RunEventInfo> items) {
                append(items);
                if (items.stream().anyMatch(RunEventInfo::terminal)) {
                    refreshRun(client);
                }
            }

            @Override
            public void onCompleted() {
                complete = true;
                following.set(false);
                refreshRun(client);
            }

            @Override
            public void onError(DaemonCallException e) {
                following.set(false);
                if (ConnectionViewModel.breaksStream(e)) {
                    connection.connectionLost(client);
                } else {
                    failed(client, "Live events of run " + runId + " stopped", e);
                }
            }
        });
        batcher = b;
        following.set(true);
        try {
            b.follow(listener -> client.watchRun(runId, lastSequence, listener));
        } catch (RuntimeException e) {
            following.set(false);
            failed(client, "Cannot follow run " + runId, e);
        }
    }

    /** Appends events after the last sequence held; anything at or below it is a duplicate and dropped. */
    void append(List<RunEventInfo> items) {
        List<RunEventInfo> fresh = new ArrayList<>(items.size());
        long last = lastSequence;
        for (RunEventInfo e : items) {
            if (e.sequence() <= last) {
                continue;
            }
            if (e.sequence() != last + 1) {
                LOG.warn("run {}: event {} follows {} (gap)", runId, e.sequence(), last);
            }
            fresh.add(e);
            last = e.sequence();
        }
        if (!fresh.isEmpty()) {
            lastSequence = last;
            events.addAll(fresh);
        }
    }

    private void failed(DaemonClient client, String what, Throwable e) {
        if (closed) {
            return;
        }
        if (e instanceof DaemonCallException d && d.isUnavailable()) {
            connection.connectionLost(client);
            return;
        }
        error.set(what + ": " + NotificationsViewModel.describe(e));
        notifications.error(what, e);
    }

    private void stopFollowing() {
        following.set(false);
        if (batcher != null) {
            batcher.close();
            batcher = null;
        }
    }
}
