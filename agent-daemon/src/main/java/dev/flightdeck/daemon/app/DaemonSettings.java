package dev.flightdeck.daemon.app;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a daemon is configured with.
 *
 * @param dataDir          the directory the daemon owns (database, logs, daemon.json, daemon.yaml)
 * @param token            the bearer token every rpc but health must carry
 * @param version          the release version reported by GetDaemonInfo
 * @param runWorkers       how many runs are in progress at once (executing a step, waiting for their model or running a tool),
 *                         over all tenants ({@code --max-concurrent-runs})
 * @param rpcThreads       how many threads serve rpcs and feed streams
 * @param drainTime        how long a stopping daemon lets running steps finish
 * @param maxRunsPerTenant how many runs of one tenant are in progress at once, unless {@code config} overrides it
 * @param config           the contents of {@code daemon.yaml}
 */
public record DaemonSettings(Path dataDir, String token, String version, int runWorkers, int rpcThreads,
                             Duration drainTime, int maxRunsPerTenant, DaemonConfig config) {
    public static final int DEFAULT_RUN_WORKERS = 4;
    public static final int DEFAULT_MAX_RUNS_PER_TENANT = 2;
    public static final int DEFAULT_RPC_THREADS = 8;
    public static final Duration DEFAULT_DRAIN_TIME = Duration.ofSeconds(10);

    public static DaemonSettings defaults(Path dataDir, String token, String version) {
        return new DaemonSettings(dataDir, token, version, DEFAULT_RUN_WORKERS, DEFAULT_RPC_THREADS, DEFAULT_DRAIN_TIME,
                DEFAULT_MAX_RUNS_PER_TENANT, DaemonConfig.DEFAULT);
    }

    public DaemonSettings withRunWorkers(int workers) {
        return new DaemonSettings(dataDir, token, version, workers, rpcThreads, drainTime, maxRunsPerTenant, config);
    }

    public DaemonSettings withDrainTime(Duration drain) {
        return new DaemonSettings(dataDir, token, version, runWorkers, rpcThreads, drain, maxRunsPerTenant, config);
    }

    public DaemonSettings withMaxRunsPerTenant(int perTenant) {
        return new DaemonSettings(dataDir, token, version, runWorkers, rpcThreads, drainTime, perTenant, config);
    }

    public DaemonSettings withConfig(DaemonConfig daemonConfig) {
        return new DaemonSettings(dataDir, token, version, runWorkers, rpcThreads, drainTime, maxRunsPerTenant,
                daemonConfig);
    }
}
