package dev.flightdeck.console;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.DaemonProcess;
import dev.flightdeck.console.viewmodel.DaemonLocator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Finds the daemon through {@code <data-dir>/daemon.json}; starts one from the console's own class path. */
public final class DataDirDaemonLocator implements DaemonLocator {
    private final Path dataDir;
    private final Duration startTimeout;

    public DataDirDaemonLocator(Path dataDir, Duration startTimeout) {
        this.dataDir = dataDir;
        this.startTimeout = startTimeout;
    }

    @Override
    public Optional<DaemonEndpoint> findServing() {
        return DaemonProcess.findServing(dataDir);
    }

    @Override
    public DaemonEndpoint start() {
        return DaemonProcess.ensureRunning(dataDir, startTimeout);
    }

    @Override
    public DaemonClient connect(DaemonEndpoint endpoint) {
        return DaemonClient.connect(endpoint);
    }

    @Override
    public String describeLocation() {
        return dataDir.toString();
    }
}
