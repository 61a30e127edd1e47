package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --data-dir DIR}, shared by every command that talks to a daemon. */
final class DataDirOption {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The daemon's data directory (default: $FLIGHTDECK_HOME, else ~/.flightdeck).")
    Path dataDir;

    Path dataDir() {
        return (dataDir != null ? dataDir : DaemonEndpoint.defaultDataDir()).toAbsolutePath().normalize();
    }

    /** The daemon running on the data directory, or a {@link CliException} saying none runs. */
    DaemonEndpoint endpoint() {
        return DaemonEndpoint.discover(dataDir()).orElseThrow(() -> noDaemon(dataDir()));
    }

    /** A client of the daemon running on the data directory; the caller closes it. */
    DaemonClient connect() {
        return DaemonClient.connect(endpoint());
    }

    static CliException noDaemon(Path dataDir) {
        return new CliException("no daemon is running on " + dataDir + "; start one with \"flightdeck daemon\"",
                ExitCodes.NO_DAEMON);
    }
}
