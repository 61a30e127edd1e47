package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.DaemonStatus;
import dev.flightdeck.console.concurrent.UiExecutor;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The console's connection to its daemon. Discovers the daemon through {@link DaemonLocator},
 * offers to start one when none runs, and reconnects by itself when the connection is lost (a
 * restarted daemon has a new port and token: it re-discovers on a deadline-bounded poll, then
 * rebuilds the client). Screens follow {@link #clientProperty()}: a new client means "refresh".
 */
public final class ConnectionViewModel {
    public enum State { CONNECTING, CONNECTED, STARTING, RECONNECTING, NO_DAEMON }

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionViewModel.class);

    /** How often to look for the daemon while reconnecting, and while none runs. */
    static final Duration RECONNECT_POLL = Duration.ofMillis(500);
    static final Duration IDLE_POLL = Duration.ofSeconds(2);

    private final UiExecutor ui;
    private final DaemonLocator locator;
    private final UserPrompts prompts;
    private final NotificationsViewModel notifications;
    private final Clock clock;
    private final Duration reconnectTimeout;
    private final boolean startWithoutAsking;

    private final ReadOnlyObjectWrapper<State> state = new ReadOnlyObjectWrapper<>(State.CONNECTING);
    private final ReadOnlyStringWrapper statusText = new ReadOnlyStringWrapper("Connecting…");
    private final ReadOnlyObjectWrapper<DaemonClient> client = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper();
    private UiExecutor.Cancellable pendingPoll;
    private boolean askedToStart;
    private boolean closed;

    public ConnectionViewModel(UiExecutor ui, DaemonLocator locator, UserPrompts prompts,
                               NotificationsViewModel notifications, Clock clock, Duration reconnectTimeout,
                               boolean startWithoutAsking) {
        this.ui = ui;
        this.locator = locator;
        this.prompts = prompts;
        this.notifications = notifications;
        this.clock = clock;
        this.reconnectTimeout = reconnectTimeout;
        this.startWithoutAsking = startWithoutAsking;
    }

    public ReadOnlyObjectProperty<State> stateProperty() {
        return state.getReadOnlyProperty();
    }

    public State getState() {
        return state.get();
    }

    /** One line for the status bar: "Connected to flightdeckd 0.1.0 on port 7443", "Connecting…". */
    public ReadOnlyStringProperty statusTextProperty() {
        return statusText.getReadOnlyProperty();
    }

    /** The client to use, or null while not connected. Changes after every (re)connect. */
    public ReadOnlyObjectProperty<DaemonClient> clientProperty() {
        return client.getReadOnlyProperty();
    }

    public DaemonClient getClient() {
        return client.get();
    }

    /** True while starting a daemon or connecting (the status bar shows progress). */
    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    /** True when no daemon runs and the user may start one. */
    public BooleanBinding canStartDaemonProperty() {
        return Bindings.createBooleanBinding(() -> state.get() == State.NO_DAEMON, state);
    }

    /** First connection: find the daemon; when none runs, start one (asking first unless told not to). */
    public void connect() {
        setState(State.CONNECTING, "Connecting…", true);
        ui.submit(locator::findServing, found -> {
            if (found.isPresent()) {
                attach(found.get());
            } else if (startWithoutAsking) {
                startDaemon();
            } else {
                setNoDaemon();
                if (!askedToStart) {
                    askedToStart = true;
                    if (prompts.confirm("No daemon running",
                            "No Flightdeck daemon is running for " + locator.describeLocation()
                                    + ".\nStart one now? It keeps running in the background after the console closes.",
                            "Start daemon")) {
                        startDaemon();
                    }
                }
            }
        }, error -> {
            notifications.error("Cannot look for the daemon", error);
            setNoDaemon();
        });
    }

    /** Starts a daemon on the data directory and connects to it. */
    public void startDaemon() {
        cancelPoll();
        setState(State.STARTING, "Starting daemon…", true);
        ui.submit(locator::start, this::attach, error -> {
            notifications.error("The daemon did not start", error);
            setNoDaemon();
        });
    }

    /**
     * A call on {@code failed} found the daemon unreachable. Drops that client and looks for the
     * daemon again (it may be restarting with a new port and token). Reports about an older
     * client than the current one are ignored.
     */
    public void connectionLost(DaemonClient failed) {
        if (closed || failed == null || failed != client.get()) {
            return;
        }
        LOG.info("lost the connection to the daemon; reconnecting");
        client.set(null);
        closeInBackground(failed);
        setState(State.RECONNECTING, "Connection lost — reconnecting…", true);
        Instant deadline = clock.instant().plus(reconnectTimeout);
        poll(deadline);
    }

    /**
     * True when a stream error means "the connection broke" rather than "the daemon refused":
     * unreachable, shutting down (a draining daemon cancels its streams), or a stream dropped
     * for reading too slowly. The cure is the same: find the daemon again and re-subscribe.
     */
    public static boolean breaksStream(DaemonCallException e) {
        return e.isUnavailable() || "CANCELLED".equals(e.code()) || "RESOURCE_EXHAUSTED".equals(e.code());
    }

    /** Stops polling and closes the client (the window is closing). */
    public void close() {
        closed = true;
        cancelPoll();
        DaemonClient c = client.get();
        client.set(null);
        if (c != null) {
            c.close();
        }
    }

    private void poll(Instant deadline) {
        if (closed) {
            return;
        }
        ui.submit(locator::findServing, found -> {
            if (closed || state.get() == State.CONNECTED || state.get() == State.STARTING) {
                return;
            }
            if (found.isPresent()) {
                attach(found.get());
            } else if (clock.instant().isBefore(deadline)) {
                pendingPoll = ui.schedule(RECONNECT_POLL, () -> poll(deadline));
            } else {
                setNoDaemon();
            }
        }, error -> {
            LOG.debug("looking for the daemon failed", error);
            if (clock.instant().isBefore(deadline)) {
                pendingPoll = ui.schedule(RECONNECT_POLL, () -> poll(deadline));
            } else {
                setNoDaemon();
            }
        });
    }

    private void attach(DaemonEndpoint endpoint) {
        if (closed) {
            return;
        }
        setState(state.get() == State.STARTING ? State.STARTING : State.CONNECTING,
                state.get() == State.STARTING ? "Starting daemon…" : "Connecting…", true);
        ui.submit(() -> {
            DaemonClient c = locator.connect(endpoint);
            try {
                DaemonStatus info = c.daemonInfo();
                return new Attached(c, info);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        }, attached -> {
            if (closed) {
                attached.client().close();
                return;
            }
            cancelPoll();
            DaemonClient old = client.get();
            setState(State.CONNECTED, "Connected to flightdeckd " + attached.info().version()
                    + " on port " + endpoint.port(), false);
            client.set(attached.client());
            if (old != null) {
                closeInBackground(old);
            }
        }, error -> {
            notifications.error("Cannot connect to the daemon on port " + endpoint.port(), error);
            setNoDaemon();
        });
    }

    private void setNoDaemon() {
        setState(State.NO_DAEMON, "No daemon running", false);
        // Keep looking quietly: a daemon started elsewhere (the CLI, another console) is picked up.
        cancelPoll();
        pendingPoll = ui.schedule(IDLE_POLL, this::idlePoll);
    }

    private void idlePoll() {
        if (closed || state.get() != State.NO_DAEMON) {
            return;
        }
        ui.submit(locator::findServing, found -> {
            if (closed || state.get() != State.NO_DAEMON) {
                return;
            }
            if (found.isPresent()) {
                attach(found.get());
            } else {
                pendingPoll = ui.schedule(IDLE_POLL, this::idlePoll);
            }
        }, error -> pendingPoll = ui.schedule(IDLE_POLL, this::idlePoll));
    }

    private void cancelPoll() {
        if (pendingPoll != null) {
            pendingPoll.cancel();
            pendingPoll = null;
        }
    }

    private void setState(State s, String text, boolean isBusy) {
        state.set(s);
        statusText.set(text);
        busy.set(isBusy);
    }

    private record Attached(DaemonClient client, DaemonStatus info) {
    }


    /** Closing a channel waits up to 2 s for it to terminate: never on the FX thread. */
    private void closeInBackground(DaemonClient old) {
        ui.submit(() -> {
            old.close();
            return null;
        }, ignored -> { }, ignored -> { });
    }
}
