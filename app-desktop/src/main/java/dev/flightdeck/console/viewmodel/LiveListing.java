package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.client.Subscription;
import dev.flightdeck.console.concurrent.StreamBatcher;
import dev.flightdeck.console.concurrent.UiExecutor;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import java.util.List;

/**
 * Keeps a screen's list current from the daemon (the Runs and Approvals screens): on every new
 * connection it subscribes to the live stream first and then lists — an update that races the
 * listing is never lost — and it stops when the connection goes. A stream that ends or breaks
 * sends the console looking for the daemon again (and so to a new listing); other failures show
 * on the screen and as a notification.
 */
final class LiveListing<T> {
    /** The daemon calls of one kind of item. */
    interface Source<T> {
        Subscription watch(DaemonClient client, StreamListener<T> listener);

        List<T> list(DaemonClient client);
    }

    /** What the screen does at each step, on the UI thread. */
    interface Screen<T> {
        /** A new listing starts (the old stream is already closed). */
        default void reloading() {
        }

        /** Items from the stream or the listing, in order. */
        void apply(List<T> items);

        /** The listing arrived and was applied. */
        default void listed() {
        }

        /** The listing failed (its error is shown already). */
        default void listFailed() {
        }
    }

    private final UiExecutor ui;
    private final ConnectionViewModel connection;
    private final NotificationsViewModel notifications;
    private final String noun;
    private final Source<T> source;
    private final Screen<T> screen;
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

    private StreamBatcher<T> batcher;

    /** {@code noun} names one item in messages: "run" gives "Cannot list runs", "Live run updates stopped". */
    LiveListing(UiExecutor ui, ConnectionViewModel connection, NotificationsViewModel notifications, String noun,
                Source<T> source, Screen<T> screen) {
        this.ui = ui;
        this.connection = connection;
        this.notifications = notifications;
        this.noun = noun;
        this.source = source;
        this.screen = screen;
    }

    /** Follows the connection from now on: lists at once when connected, and after every reconnect. */
    void start() {
        connection.clientProperty().addListener((obs, old, client) -> {
            if (client != null) {
                reload(client);
            } else {
                stop();
            }
        });
        refresh();
    }

    /** The last error of the listing or the stream; empty when none. */
    ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    /** Lists again (and subscribes again) when connected. */
    void refresh() {
        DaemonClient client = connection.getClient();
        if (client != null) {
            reload(client);
        }
    }

    void stop() {
        if (batcher != null) {
            batcher.close();
            batcher = null;
        }
    }

    private void reload(DaemonClient client) {
        stop();
        error.set("");
        screen.reloading();
        StreamBatcher<T> b = new StreamBatcher<>(ui, new StreamBatcher.Sink<>() {
            @Override
            public void onBatch(List<T> items) {
                screen.apply(items);
            }

            @Override
            public void onCompleted() {
                // A live stream only ends when the daemon goes away or stops: as a lost connection.
                connection.connectionLost(client);
            }

            @Override
            public void onError(DaemonCallException e) {
                if (ConnectionViewModel.breaksStream(e)) {
                    // Gone, shutting down, or a slow stream dropped: find it, list and subscribe again.
                    connection.connectionLost(client);
                } else {
                    failed(client, "Live " + noun + " updates stopped", e);
                }
            }
        });
        batcher = b;
        try {
            b.follow(listener -> source.watch(client, listener));
        } catch (RuntimeException e) {
            failed(client, "Cannot follow " + noun + "s", e);
        }
        ui.submit(() -> source.list(client), items -> {
            if (client != connection.getClient()) {
                return;
            }
            screen.apply(items);
            screen.listed();
        }, e -> {
            screen.listFailed();
            failed(client, "Cannot list " + noun + "s", e);
        });
    }

    private void failed(DaemonClient client, String what, Throwable e) {
        if (e instanceof DaemonCallException d && d.isUnavailable()) {
            connection.connectionLost(client);
            return;
        }
        error.set(what + ": " + NotificationsViewModel.describe(e));
        notifications.error(what, e);
    }
}
