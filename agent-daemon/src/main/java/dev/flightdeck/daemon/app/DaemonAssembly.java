package dev.flightdeck.daemon.app;

import dev.flightdeck.daemon.api.ApprovalGrpcService;
import dev.flightdeck.daemon.api.AuthInterceptor;
import dev.flightdeck.daemon.api.BundleGrpcService;
import dev.flightdeck.daemon.api.CostGrpcService;
import dev.flightdeck.daemon.api.DaemonFacts;
import dev.flightdeck.daemon.api.DaemonInfoGrpcService;
import dev.flightdeck.daemon.api.RunGrpcService;
import dev.flightdeck.daemon.approval.SecretRedactor;
import dev.flightdeck.daemon.bundle.BundleParser;
import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.engine.AgentLoop;
import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.engine.CostReports;
import dev.flightdeck.daemon.engine.ApprovalService;
import dev.flightdeck.daemon.engine.EventCodec;
import dev.flightdeck.daemon.engine.EventLog;
import dev.flightdeck.daemon.engine.RunFeed;
import dev.flightdeck.daemon.engine.RunIds;
import dev.flightdeck.daemon.engine.RunRetention;
import dev.flightdeck.daemon.engine.RunScheduler;
import dev.flightdeck.daemon.engine.RunService;
import dev.flightdeck.daemon.engine.TenantBudgets;
import dev.flightdeck.daemon.model.HttpModelCaller;
import dev.flightdeck.daemon.model.ModelProvider;
import dev.flightdeck.daemon.model.ModelProviders;
import dev.flightdeck.daemon.model.ScriptedProvider;
import dev.flightdeck.daemon.store.ApprovalRepository;
import dev.flightdeck.daemon.store.BundleRepository;
import dev.flightdeck.daemon.store.CostRepository;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
 * <p>Life cycle: the constructor builds the server with health (NOT_SERVING) and reflection;
 * {@link #start()} starts it, migrates the database, adds the domain services, reports SERVING
 * and resumes unfinished runs; {@link #close()} reports NOT_SERVING, drains runs, stops the server
 * and shuts the database down.
 */
public final class DaemonAssembly implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonAssembly.class);
    /** Largest request accepted: a 1 MiB bundle or input plus protobuf framing. */
    private static final int MAX_INBOUND_BYTES = 2 * 1024 * 1024;

    private final DaemonSettings settings;
    private final Clock clock;
    private final HealthStatusManager health = new HealthStatusManager();
    private final LateServiceRegistry domainServices = new LateServiceRegistry();
    private final ThreadPoolExecutor rpcExecutor;
    private final Server server;
    /** The database-backed half of the wiring; exists once {@link #start()} has migrated. */
    private volatile Domain domain;

    /** Everything that needs the migrated database. */
    private record Domain(Database database, BundleRegistry bundles, RunScheduler scheduler, RunService runs,
                          EventCodec codec, ApprovalService approvals, RunRetention retention, CostReports costs) {
    }

    /** Daily housekeeping (retention) and the cost index's start-up load; close() lets it finish (up to 10 s). */
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(named("housekeeping"));
    /**
     * Times model calls without holding a thread per call: scripted latencies, retry backoff,
     * rate-limit turns. One thread for every call in flight.
     */
    private final ScheduledThreadPoolExecutor modelTimer = newModelTimer();

    public DaemonAssembly(DaemonSettings settings, ServerBuilder<?> serverBuilder, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
        // RPC bodies and stream pumps run here, never on transport threads; bounded both ways.
        this.rpcExecutor = new ThreadPoolExecutor(settings.rpcThreads(), settings.rpcThreads(), 0,
                TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(10_000), named("rpc"));
        // Health and reflection answer from the start; the domain services join once migrated.
        this.server = serverBuilder
                .executor(rpcExecutor)
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                .intercept(new AuthInterceptor(settings.token()))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .fallbackHandlerRegistry(domainServices)
                .build();
    }

    /**
     * Starts serving (health NOT_SERVING), migrates the database, adds the domain services, then
     * reports SERVING and resumes runs a previous daemon left unfinished.
     */
    public DaemonAssembly start() throws IOException {
        server.start();
        Domain d = openDomain();
        domain = d;
        DaemonFacts facts = new DaemonFacts(settings.version(), settings.dataDir(), ProcessHandle.current().pid(),
                clock.instant());
        domainServices.add(new RunGrpcService(d.runs(), d.codec(), rpcExecutor, d.retention()));
        domainServices.add(new BundleGrpcService(d.bundles(), d.codec()));
        domainServices.add(new ApprovalGrpcService(d.approvals(), d.codec(), rpcExecutor));
        domainServices.add(new DaemonInfoGrpcService(facts));
        domainServices.add(new CostGrpcService(d.costs(), rpcExecutor));
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        d.scheduler().resumeUnfinished();
        if (!d.retention().configuredMaxAge().isZero()) {
            // A minute after start (not during it), then daily.
            housekeeping.scheduleWithFixedDelay(d.retention()::pruneOnSchedule, 1, 24 * 60, TimeUnit.MINUTES);
        }
        LOG.info("daemon serving on {}", server.getListenSockets());
        return this;
    }

    private Domain openDomain() {
        Database database = Database.open(settings.dataDir().resolve("db"));
        try {
            RunRepository runRows = new RunRepository(database);
            RunEventRepository eventRows = new RunEventRepository(database);
            ToolRegistry tools = ToolRegistry.builtins(settings.dataDir());
            List<ModelProvider> modelProviders = new ArrayList<>();
            modelProviders.add(new ScriptedProvider(modelTimer));
            modelProviders.addAll(HttpModelCaller.forDaemon(settings.dataDir(), clock, modelTimer).providers());
            // Testing hook, off unless FLIGHTDECK_CALL_LEDGER is set (docs/durability.md).
            var ledger = CallLedger.fromEnvironment();
            if (ledger.isPresent()) {
                LOG.warn("TESTING HOOK: recording every model and tool call in {}", System.getenv(CallLedger.ENV));
                tools = tools.with(ledger.get().recordCallTool()); // every built-in (issue_refund too) plus record_call
                modelProviders = modelProviders.stream().map(p -> ledger.get().recording(p)).toList();
            }
            ModelProviders providers = new ModelProviders(modelProviders);
            BundleRegistry bundles = new BundleRegistry(new BundleParser(providers.names(), tools.implementations()),
                    new BundleRepository(database), clock);
            EventCodec codec = new EventCodec();
            RunFeed feed = new RunFeed();
            ApprovalRepository approvalRows = new ApprovalRepository(database);
            CostRepository costRows = new CostRepository(database);
            // Filled from model_calls in the background (cost queries wait for it); appended to by
            // the event log after each commit from now on, so no committed call is missed.
            CostIndex costIndex = new CostIndex();
            housekeeping.execute(() -> costIndex.load(callsToLoad(costRows), costRows::forEachCall));
            EventLog log = new EventLog(eventRows, approvalRows, codec, feed, clock, costIndex);
            DaemonConfig config = settings.config();
            AgentLoop loop = new AgentLoop(runRows, eventRows, codec, log, bundles, providers, new ToolExecutor(tools),
                    config.priceTable(), new TenantBudgets(config.tenantDailyBudgets(), costRows), clock);
            RunScheduler scheduler = new RunScheduler(loop, runRows, settings.runWorkers(),
                    tenant -> config.tenantRunLimits().getOrDefault(tenant, settings.maxRunsPerTenant()));
            RunService runs = new RunService(runRows, eventRows, bundles, scheduler, feed, new RunIds(clock), clock);
            ApprovalService approvals = new ApprovalService(approvalRows, runRows, log, scheduler, feed,
                    SecretRedactor.NONE);
            RunRetention retention = new RunRetention(runRows, clock, Duration.ofDays(config.retentionMaxAgeDays()),
                    costIndex);
            return new Domain(database, bundles, scheduler, runs, codec, approvals, retention,
                    new CostReports(costRows, costIndex));
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /** The calls the cost index's load will read, for its progress ("N of M calls"); -1 if they cannot be counted. */
    private static long callsToLoad(CostRepository costRows) {
        try {
            return costRows.countCalls();
        } catch (RuntimeException e) {
            LOG.warn("cannot count the model calls before loading the cost index: {}", e.toString());
            return -1; // the load itself reports what is wrong
        }
    }

    private Domain domain() {
        Domain d = domain;
        if (d == null) {
            throw new IllegalStateException("the daemon assembly is not started");
        }
        return d;
    }

    /** Stores the demo bundles when no bundle exists yet (a fresh data directory). */
    public boolean installDemoBundleIfEmpty() {
        BundleRegistry bundles = domain().bundles();
        if (!bundles.listLatest("", 1).isEmpty()) {
            return false;
        }
        for (String yaml : BundleParser.demoBundleYamls()) {
            var pushed = bundles.push(yaml);
            LOG.info("installed demo bundle {}@{}", pushed.name(), pushed.versionId());
        }
        return true;
    }

    /** The TCP port the server listens on, or -1 in-process. */
    public int port() {
        return server.getPort();
    }

    public Server server() {
        return server;
    }

    public BundleRegistry bundles() {
        return domain().bundles();
    }

    public RunService runs() {
        return domain().runs();
    }

    public ApprovalService approvals() {
        return domain().approvals();
    }

    /** The daemon's database (benchmarks observe its commits). */
    public Database database() {
        return domain().database();
    }

    /** Who holds which run, and the API writes waiting for one (tests hold a run through it). */
    public RunScheduler scheduler() {
        return domain().scheduler();
    }

    public DaemonSettings settings() {
        return settings;
    }

    /** Drains and stops everything; safe to call more than once. */
    @Override
    public synchronized void close() {
        health.enterTerminalState(); // NOT_SERVING from now on
        housekeeping.shutdown(); // no interrupts: a prune in progress finishes its transaction
        try {
            housekeeping.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Domain d = domain;
        if (d != null) {
            d.scheduler().drain(settings.drainTime());
        }
        // Runs no longer wait for any call it times; its thread does no database I/O.
        modelTimer.shutdownNow();
        server.shutdown();
        try {
            // Open follow streams (WatchRuns never ends) would hold this up: give unary calls a
            // moment, then cancel the rest; clients see UNAVAILABLE and reconnect to the next daemon.
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        // No interrupts (shutdownNow): an interrupt during H2 file I/O would close the database.
        rpcExecutor.shutdown();
        try {
            rpcExecutor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (d != null) {
            d.database().close();
        }
        LOG.info("daemon stopped");
    }

    private static ScheduledThreadPoolExecutor newModelTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, named("model-timer"));
        timer.setRemoveOnCancelPolicy(true); // a cancelled call's wait leaves the queue at once
        return timer;
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
