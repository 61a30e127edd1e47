package dev.flightdeck.daemon.app;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code flightdeck daemon} process: with the data directory already locked, it migrates,
 * installs the demo bundle into a fresh directory, serves on 127.0.0.1 only, publishes
 * daemon.json, and on SIGTERM or SIGINT drains, stops and removes daemon.json.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final Path dataDir;
    private final int port;
    private final int runWorkers;
    private final int maxRunsPerTenant;
    private final DaemonConfig config;
    private final Duration drainTime;
    private final String version;
    private final CountDownLatch stopRequested = new CountDownLatch(1);

    public Daemon(Path dataDir, int port, int runWorkers, String version) {
        this(dataDir, port, runWorkers, DaemonSettings.DEFAULT_MAX_RUNS_PER_TENANT, DaemonConfig.DEFAULT,
                DaemonSettings.DEFAULT_DRAIN_TIME, version);
    }

    public Daemon(Path dataDir, int port, int runWorkers, int maxRunsPerTenant, DaemonConfig config, String version) {
        this(dataDir, port, runWorkers, maxRunsPerTenant, config, DaemonSettings.DEFAULT_DRAIN_TIME, version);
    }

    public Daemon(Path dataDir, int port, int runWorkers, int maxRunsPerTenant, DaemonConfig config, Duration drainTime,
                  String version) {
        this.maxRunsPerTenant = maxRunsPerTenant;
        this.config = config;
        this.dataDir = dataDir.toAbsolutePath();
        this.port = port;
        this.runWorkers = runWorkers;
        this.drainTime = drainTime;
        this.version = version;
    }

    /** Runs until asked to stop; returns when everything is shut down. */
    public void runUntilStopped() throws IOException, InterruptedException {
        String token = HexFormat.of().formatHex(randomBytes());
        DaemonSettings settings = DaemonSettings.defaults(dataDir, token, version).withRunWorkers(runWorkers)
                .withMaxRunsPerTenant(maxRunsPerTenant).withConfig(config).withDrainTime(drainTime);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
        DaemonAssembly assembly = new DaemonAssembly(settings, builder, Clock.systemUTC());
        try {
            assembly.start();
            assembly.installDemoBundleIfEmpty(); // before daemon.json: clients never see a fresh dir without it
            EndpointFile.write(dataDir, LOOPBACK, assembly.port(), token, ProcessHandle.current().pid(), version);
            LOG.info("flightdeckd {} ready on {}:{} for {}", version, LOOPBACK, assembly.port(), dataDir);
            StopSignals.install(stopRequested::countDown);
            stopRequested.await();
            LOG.info("stopping: draining runs");
        } finally {
            try {
                assembly.close();
            } finally {
                EndpointFile.delete(dataDir);
            }
        }
    }

    private static byte[] randomBytes() {
        byte[] token = new byte[32];
        new SecureRandom().nextBytes(token);
        return token;
    }
}
