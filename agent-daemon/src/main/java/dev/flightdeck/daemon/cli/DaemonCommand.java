package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.daemon.app.DaemonConfig;
import dev.flightdeck.daemon.app.DataDirLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code flightdeck daemon}: runs flightdeckd in the foreground until SIGTERM. */
@Command(name = "daemon", mixinStandardHelpOptions = true, description = "Run the daemon in the foreground.")
public final class DaemonCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--port", description = "TCP port on 127.0.0.1 (0 = pick a free one; default ${DEFAULT-VALUE}).")
    int port = 0;

    @Option(names = "--data-dir", description = "Data directory (default: $FLIGHTDECK_HOME or ~/.flightdeck).")
    Path dataDir;

    @Option(names = {"--max-concurrent-runs", "--run-workers"},
            description = "Runs in progress at once (executing a step, waiting for their model or running a tool), over all tenants "
                    + "(default ${DEFAULT-VALUE}).")
    int runWorkers = dev.flightdeck.daemon.app.DaemonSettings.DEFAULT_RUN_WORKERS;

    @Option(names = "--max-runs-per-tenant",
            description = "Runs of one tenant in progress at once (default ${DEFAULT-VALUE}); daemon.yaml can override it per tenant.")
    int maxRunsPerTenant = dev.flightdeck.daemon.app.DaemonSettings.DEFAULT_MAX_RUNS_PER_TENANT;

    @Option(names = "--drain-seconds", description = "On SIGTERM, how long running steps get to reach a committed "
            + "event before the daemon stops without them (default ${DEFAULT-VALUE}); runs resume on the next start.")
    int drainSeconds = (int) dev.flightdeck.daemon.app.DaemonSettings.DEFAULT_DRAIN_TIME.toSeconds();

    @Override
    public Integer call() throws Exception {
        Path dir = (dataDir != null ? dataDir : DaemonEndpoint.defaultDataDir()).toAbsolutePath();
        if (port < 0 || port > 65535) {
            spec.commandLine().getErr().println("--port: must be between 0 and 65535, got " + port);
            return 2;
        }
        if (runWorkers < 1 || runWorkers > 256) {
            spec.commandLine().getErr().println("--max-concurrent-runs: must be between 1 and 256, got " + runWorkers);
            return 2;
        }
        if (maxRunsPerTenant < 1 || maxRunsPerTenant > 256) {
            spec.commandLine().getErr().println("--max-runs-per-tenant: must be between 1 and 256, got " + maxRunsPerTenant);
            return 2;
        }
        DaemonConfig config;
        try {
            config = DaemonConfig.load(dir);
        } catch (DaemonConfig.InvalidException e) {
            spec.commandLine().getErr().println(e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
        if (drainSeconds < 0 || drainSeconds > 3600) {
            spec.commandLine().getErr().println("--drain-seconds: must be between 0 and 3600, got " + drainSeconds);
            return 2;
        }
        // Lock first: a second daemon must not touch logs, database or daemon.json of the first.
        try (DataDirLock lock = DataDirLock.acquire(dir)) {
            // Before the first logger is created, so logback writes into this data directory.
            System.setProperty("flightdeck.log.dir", dir.resolve("logs").toString());
            new dev.flightdeck.daemon.app.Daemon(dir, port, runWorkers, maxRunsPerTenant, config,
                    java.time.Duration.ofSeconds(drainSeconds), VersionProvider.version()).runUntilStopped();
            return 0;
        } catch (DataDirLock.HeldException e) {
            spec.commandLine().getErr().println(e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
    }
}
