package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.Page;
import dev.flightdeck.client.RunFilter;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.client.Subscription;
import dev.flightdeck.console.concurrent.UiExecutor;
import javafx.beans.Observable;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import javafx.collections.transformation.SortedList;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The Runs screen: every run the daemon knows, newest first, kept current by {@code WatchRuns}
 * (initial listing, then live updates; listed again after every reconnect). Optionally filtered
 * by status.
 */
public final class RunsViewModel {
    /** How many runs the screen lists at most (newest first). */
    static final int LIST_LIMIT = 500;
    private static final int PAGE_SIZE = 100;

    private static final Comparator<RunRow> NEWEST_FIRST = Comparator
            .comparing((RunRow r) -> r.getRun().createdAt(), Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(RunRow::runId, Comparator.reverseOrder());

    private final ConnectionViewModel connection;
    private final Clock clock;

    private final ObservableList<RunRow> rows =
            FXCollections.observableArrayList(row -> new Observable[] {row.runProperty()});
    private final Map<String, RunRow> byId = new HashMap<>();
    private final FilteredList<RunRow> filtered = new FilteredList<>(rows, r -> true);
    private final SortedList<RunRow> visible = new SortedList<>(filtered, NEWEST_FIRST);
    private final ObjectProperty<RunState> statusFilter = new SimpleObjectProperty<>();
    private final ReadOnlyBooleanWrapper loading = new ReadOnlyBooleanWrapper();
    private final ReadOnlyBooleanWrapper loaded = new ReadOnlyBooleanWrapper();
    private final ReadOnlyStringWrapper emptyText = new ReadOnlyStringWrapper("Loading runs…");
    private final List<Consumer<RunInfo>> updateListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> loadedListeners = new CopyOnWriteArrayList<>();

    private final LiveListing<RunInfo> listing;

    public RunsViewModel(UiExecutor ui, ConnectionViewModel connection, NotificationsViewModel notifications,
                         Clock clock) {
        this.connection = connection;
        this.clock = clock;
        statusFilter.addListener((obs, old, state) -> {
            filtered.setPredicate(state == null ? r -> true : r -> r.getRun().state() == state);
            updateEmptyText();
        });
        connection.stateProperty().addListener((obs, old, state) -> updateEmptyText());
        listing = new LiveListing<>(ui, connection, notifications, "run", new LiveListing.Source<>() {
            @Override
            public Subscription watch(DaemonClient client, StreamListener<RunInfo> listener) {
                return client.watchRuns("", listener);
            }

            @Override
            public List<RunInfo> list(DaemonClient client) {
                return listAll(client);
            }
        }, new LiveListing.Screen<>() {
            @Override
            public void reloading() {
                loading.set(true);
                updateEmptyText();
            }

            @Override
            public void apply(List<RunInfo> runs) {
                runs.forEach(RunsViewModel.this::apply);
            }

            @Override
            public void listed() {
                loading.set(false);
                loaded.set(true);
                updateEmptyText();
                loadedListeners.forEach(Runnable::run);
            }

            @Override
            public void listFailed() {
                loading.set(false);
            }
        });
        listing.start();
        updateEmptyText();
    }

    /** The rows to show: filtered by status, newest first. */
    public ObservableList<RunRow> visibleRuns() {
        return visible;
    }

    /** Status to show; null shows all. */
    public ObjectProperty<RunState> statusFilterProperty() {
        return statusFilter;
    }

    public ReadOnlyBooleanProperty loadingProperty() {
        return loading.getReadOnlyProperty();
    }

    /** True once the first listing arrived from the daemon. */
    public ReadOnlyBooleanProperty loadedProperty() {
        return loaded.getReadOnlyProperty();
    }

    /** The last error of this screen, empty when none. */
    public ReadOnlyStringProperty errorProperty() {
        return listing.errorProperty();
    }

    /** What the table says when it has no rows. */
    public ReadOnlyStringProperty emptyTextProperty() {
        return emptyText.getReadOnlyProperty();
    }

    public int totalCount() {
        return rows.size();
    }

    /** Called on the UI thread with every run update this screen applies (open Run screens follow it). */
    public void addUpdateListener(Consumer<RunInfo> listener) {
        updateListeners.add(listener);
    }

    /** Called on the UI thread each time a listing completes. */
    public void addLoadedListener(Runnable listener) {
        loadedListeners.add(listener);
    }

    /** Updates the ticking durations of running runs. The view calls it once a second while it shows. */
    public void tick() {
        var now = clock.instant();
        for (RunRow row : rows) {
            if (!row.getRun().state().isTerminal()) {
                row.tick(now);
            }
        }
    }

    /** Lists again (e.g. the user asked to refresh). */
    public void refresh() {
        listing.refresh();
    }

    /** Applies one run's new state: inserts it, or replaces the older state of the same run. */
    public void apply(RunInfo run) {
        var now = clock.instant();
        RunRow row = byId.get(run.runId());
        boolean changed;
        if (row == null) {
            row = new RunRow(run, now);
            byId.put(run.runId(), row);
            rows.add(row);
            changed = true;
        } else {
            changed = row.update(run, now);
        }
        if (changed) {
            RunInfo applied = row.getRun();
            updateListeners.forEach(l -> l.accept(applied));
        }
        updateEmptyText();
    }

    public void close() {
        listing.stop();
    }

    private static List<RunInfo> listAll(DaemonClient client) {
        List<RunInfo> all = new ArrayList<>();
        String token = "";
        do {
            Page<RunInfo> page = client.listRuns(RunFilter.ALL, PAGE_SIZE, token);
            all.addAll(page.items());
            token = page.nextPageToken();
        } while (!token.isEmpty() && all.size() < LIST_LIMIT);
        return all;
    }

    private void updateEmptyText() {
        if (connection.getClient() == null && rows.isEmpty()) {
            emptyText.set(switch (connection.getState()) {
                case STARTING -> "Starting the daemon…";
                case NO_DAEMON -> "No daemon running — start one with Start daemon below";
                default -> "Connecting to the daemon…";
            });
        } else if (!loaded.get()) {
            emptyText.set("Loading runs…");
        } else if (rows.isEmpty()) {
            emptyText.set("No runs yet — start one with New run");
        } else {
            emptyText.set("No " + Formats.state(statusFilter.get() == null ? RunState.UNKNOWN : statusFilter.get())
                    .toLowerCase(java.util.Locale.ROOT) + " runs");
        }
    }
}
