package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.bundle.BundleParser;
import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.model.ModelProvider;
import dev.flightdeck.daemon.model.ModelProviders;
import dev.flightdeck.daemon.model.ScriptedProvider;
import dev.flightdeck.daemon.store.ApprovalRepository;
import dev.flightdeck.daemon.store.BundleRepository;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.tool.ToolExecutor;
import dev.flightdeck.daemon.tool.ToolRegistry;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.UnaryOperator;

/**
 * The engine over a real H2 file database, wired as {@code DaemonAssembly} wires it but without
 * the scheduler, for tests that write a run's history themselves and drive {@link AgentLoop}
 * directly (as a worker would after a crash).
 */
final class LoopWiring implements AutoCloseable {
    /** Times scripted latencies. */
    final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    final EventCodec codec = new EventCodec();
    final RunFeed feed = new RunFeed();
    final Database db;
    final RunRepository runs;
    final RunEventRepository events;
    final ApprovalRepository approvals;
    final EventLog log;
    final BundleRegistry bundles;
    final AgentLoop loop;

    /** With the scripted provider and {@code tools}, on a database in {@code dbDir}. */
    LoopWiring(Path dbDir, ToolRegistry tools) {
        this(dbDir, tools, UnaryOperator.identity());
    }

    /** As above; {@code provider} is given the scripted provider and returns the one the loop calls. */
    LoopWiring(Path dbDir, ToolRegistry tools, UnaryOperator<ModelProvider> provider) {
        db = Database.open(dbDir);
        runs = new RunRepository(db);
        events = new RunEventRepository(db);
        approvals = new ApprovalRepository(db);
        log = new EventLog(events, approvals, codec, feed, Clock.systemUTC());
        ModelProviders providers = new ModelProviders(List.of(provider.apply(new ScriptedProvider(timer))));
        bundles = new BundleRegistry(new BundleParser(providers.names(), tools.implementations()),
                new BundleRepository(db), Clock.systemUTC());
        loop = new AgentLoop(runs, events, codec, log, bundles, providers, new ToolExecutor(tools));
    }

    @Override
    public void close() {
        timer.shutdownNow();
        db.close();
    }
}
