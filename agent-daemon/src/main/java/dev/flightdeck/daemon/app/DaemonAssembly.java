package dev.flightdeck.daemon.app;

import dev.flightdeck.daemon.api.AuthInterceptor;
import dev.flightdeck.daemon.api.BundleGrpcService;
import dev.flightdeck.daemon.api.DaemonFacts;
import dev.flightdeck.daemon.api.DaemonInfoGrpcService;
import dev.flightdeck.daemon.api.RunGrpcService;
import dev.flightdeck.daemon.bundle.BundleParser;
import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.engine.AgentLoop;
import dev.flightdeck.daemon.engine.EventCodec;
import dev.flightdeck.daemon.engine.EventLog;
import dev.flightdeck.daemon.engine.RunFeed;
import dev.flightdeck.daemon.engine.RunIds;
import dev.flightdeck.daemon.engine.RunScheduler;
import dev.flightdeck.daemon.engine.RunService;
import dev.flightdeck.daemon.model.ModelProviders;
import dev.flightdeck.daemon.model.ScriptedProvider;
import dev.flightdeck.daemon.store.BundleRepository;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.tool.ToolExecutor;
import dev.flightdeck.daemon.tool.ToolRegistry;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * All of the daemon's constructor wiring, in one place, with no singletons. The server builder is
 * passed in, so the same wiring serves tests in-process ({@code InProcessServerBuilder}) and the
 * real daemon on a loopback port ({@code NettyServerBuilder}); the clock is injectable.
 *
 * <p>Life cycle: the constructor opens and migrates the database (health NOT_SERVING) and builds
 * the server; {@link #start()} starts it, reports SERVING and resumes unfinished runs;
 * {@link #close()} reports NOT_SERVING, drains runs, stops the server and shuts the database down.
 */
public final class DaemonAssembly implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonAssembly.class);
    /** Largest request accepted: a 1 MiB bundle or input plus protobuf framing. */
    private static final int MAX_INBOUND_BYTES = 2 * 1024 * 1024;
    static final String DEMO_BUNDLE = "/dev/flightdeck/daemon/bundle/demo/support-refund.yaml";

    private final DaemonSettings settings;
    private final HealthStatusManager health = new HealthStatusManager();
    private final Database database;
    private final BundleRegistry bundles;
    private final RunScheduler scheduler;
    private final RunService runs;
    private final ThreadPoolExecutor rpcExecutor;
    private final Server server;

    public DaemonAssembly(DaemonSettings settings, ServerBuilder<?> serverBuilder, Clock clock) {
        this.settings = settings;
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
        this.database = Database.open(settings.dataDir().resolve("db"));
        try {
            RunRepository runRows = new RunRepository(database);
            RunEventRepository eventRows = new RunEventRepository(database);
            ToolRegistry tools = ToolRegistry.builtins();
            ModelProviders providers = new ModelProviders(List.of(new ScriptedProvider()));
            this.bundles = new BundleRegistry(new BundleParser(providers.names(), tools.implementations()),
                    new BundleRepository(database), clock);
            EventCodec codec = new EventCodec();
            RunFeed feed = new RunFeed();
            EventLog log = new EventLog(eventRows, codec, feed, clock);
            AgentLoop loop = new AgentLoop(runRows, eventRows, codec, log, bundles, providers, new ToolExecutor(tools));
            this.scheduler = new RunScheduler(loop, runRows, settings.runWorkers());
            this.runs = new RunService(runRows, eventRows, bundles, scheduler, feed, new RunIds(clock), clock);

            // RPC bodies and stream pumps run here, never on transport threads; bounded both ways.
            this.rpcExecutor = new ThreadPoolExecutor(settings.rpcThreads(), settings.rpcThreads(), 0,
                    TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(10_000), named("rpc"));
            DaemonFacts facts = new DaemonFacts(settings.version(), settings.dataDir(), ProcessHandle.current().pid(),
                    clock.instant());
            this.server = serverBuilder
                    .executor(rpcExecutor)
                    .maxInboundMessageSize(MAX_INBOUND_BYTES)
                    .intercept(new AuthInterceptor(settings.token()))
                    .addService(new RunGrpcService(runs, codec, rpcExecutor))
                    .addService(new BundleGrpcService(bundles, codec))
                    .addService(new DaemonInfoGrpcService(facts))
                    .addService(health.getHealthService())
                    .addService(ProtoReflectionServiceV1.newInstance())
                    .build();
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /** Starts serving: health turns SERVING and runs left unfinished by a previous daemon resume. */
    public DaemonAssembly start() throws IOException {
        server.start();
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        scheduler.resumeUnfinished();
        LOG.info("daemon serving on {}", server.getListenSockets());
        return this;
    }

    /** Stores the demo bundle when no bundle exists yet (a fresh data directory). */
    public boolean installDemoBundleIfEmpty() {
        if (!bundles.listLatest("", 1).isEmpty()) {
            return false;
        }
        try (InputStream in = DaemonAssembly.class.getResourceAsStream(DEMO_BUNDLE)) {
            if (in == null) {
                throw new IllegalStateException("the demo bundle resource " + DEMO_BUNDLE + " is missing");
            }
            var pushed = bundles.push(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            LOG.info("installed demo bundle {}@{}", pushed.name(), pushed.versionId());
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The TCP port the server listens on, or -1 in-process. */
    public int port() {
        return server.getPort();
    }

    public Server server() {
        return server;
    }

    public BundleRegistry bundles() {
        return bundles;
    }

    public RunService runs() {
        return runs;
    }

    public DaemonSettings settings() {
        return settings;
    }

    /** Drains and stops everything; safe to call more than once. */
    @Override
    public synchronized void close() {
        health.enterTerminalState(); // NOT_SERVING from now on
        scheduler.drain(settings.drainTime());
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        rpcExecutor.shutdownNow();
        database.close();
        LOG.info("daemon stopped");
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
