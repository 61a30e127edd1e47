package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.BundleInfo;
import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.console.concurrent.UiExecutor;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.UUID;
import java.util.function.Consumer;

/** The New run dialog: pick a bundle, type the input, optionally a tenant; start. */
public final class NewRunViewModel {
    private final UiExecutor ui;
    private final ConnectionViewModel connection;

    private final ObservableList<BundleInfo> bundles = FXCollections.observableArrayList();
    private final ObjectProperty<BundleInfo> bundle = new SimpleObjectProperty<>();
    private final StringProperty input = new SimpleStringProperty("");
    private final StringProperty tenant = new SimpleStringProperty("");
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper();
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
    /** One key per dialog: pressing Start twice (or a retried call) starts one run. */
    private final String idempotencyKey = "console-" + UUID.randomUUID();

    public NewRunViewModel(UiExecutor ui, ConnectionViewModel connection) {
        this.ui = ui;
        this.connection = connection;
    }

    public ObservableList<BundleInfo> bundles() {
        return bundles;
    }

    public ObjectProperty<BundleInfo> bundleProperty() {
        return bundle;
    }

    public StringProperty inputProperty() {
        return input;
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    /** Why the last action failed, shown inside the dialog; empty when fine. */
    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    public BooleanBinding canStartProperty() {
        return Bindings.createBooleanBinding(() -> bundle.get() != null && !input.get().isBlank() && !busy.get()
                && connection.getClient() != null, bundle, input, busy, connection.clientProperty());
    }

    /** Loads the bundles (latest version of each) and preselects the first. */
    public void loadBundles() {
        DaemonClient client = connection.getClient();
        if (client == null) {
            error.set("Not connected to a daemon");
            return;
        }
        busy.set(true);
        ui.submit(() -> client.listBundles("", 200, "").items(), list -> {
            busy.set(false);
            bundles.setAll(list);
            if (list.isEmpty()) {
                error.set("The daemon has no bundles yet. Push one with: flightdeck bundle push FILE.yaml");
            } else if (bundle.get() == null) {
                bundle.set(list.get(0));
            }
        }, e -> {
            busy.set(false);
            error.set("Cannot list bundles: " + NotificationsViewModel.describe(e));
            lost(client, e);
        });
    }

    /** Starts the run; {@code onStarted} gets it on the UI thread. */
    public void start(Consumer<RunInfo> onStarted) {
        DaemonClient client = connection.getClient();
        BundleInfo b = bundle.get();
        if (client == null || b == null || input.get().isBlank()) {
            error.set(client == null ? "Not connected to a daemon" : "Pick a bundle and type an input");
            return;
        }
        busy.set(true);
        error.set("");
        String ref = b.name() + "@" + b.versionId();
        // Read the properties here, on the FX thread: the call itself runs on the background pool.
        String text = input.get().strip();
        String forTenant = tenant.get().strip();
        ui.submit(() -> client.startRun(ref, text, forTenant, idempotencyKey), started -> {
            busy.set(false);
            onStarted.accept(started.run());
        }, e -> {
            busy.set(false);
            error.set("Cannot start the run: " + NotificationsViewModel.describe(e));
            lost(client, e);
        });
    }

    private void lost(DaemonClient client, Throwable e) {
        if (e instanceof DaemonCallException d && d.isUnavailable()) {
            connection.connectionLost(client);
        }
    }
}
