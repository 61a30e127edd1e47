package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;

import java.util.Optional;

/**
 * Finds, starts and connects to the daemon the console works with. Called off the UI thread.
 * The app's implementation reads {@code daemon.json} in the data directory; tests use an
 * in-process server.
 */
public interface DaemonLocator {

    /** The daemon serving now, if any (re-read every time: a restarted daemon has a new port and token). */
    Optional<DaemonEndpoint> findServing();

    /** Starts a daemon and waits until it serves. */
    DaemonEndpoint start();

    /** Opens a client to {@code endpoint}; the caller closes it. */
    DaemonClient connect(DaemonEndpoint endpoint);

    /** Where the daemon keeps its data, for messages. */
    String describeLocation();
}
