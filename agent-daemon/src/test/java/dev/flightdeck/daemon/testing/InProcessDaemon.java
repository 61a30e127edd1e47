package dev.flightdeck.daemon.testing;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.daemon.app.DaemonAssembly;
import dev.flightdeck.daemon.app.DaemonSettings;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The real daemon wiring ({@link DaemonAssembly}) served in-process on a temp data directory, with
 * a {@link DaemonClient} over it: what service tests talk to.
 */
public final class InProcessDaemon implements AutoCloseable {
    public static final String TOKEN = "test-token";

    private final DaemonAssembly assembly;
    private final ManagedChannel channel;
    private final DaemonClient client;
    private final Path dataDir;

    public InProcessDaemon(Path dataDir) {
        this(DaemonSettings.defaults(dataDir, TOKEN, "test"));
    }

    public InProcessDaemon(DaemonSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public InProcessDaemon(DaemonSettings settings, Clock clock) {
        this.dataDir = settings.dataDir();
        String name = InProcessServerBuilder.generateName();
        this.assembly = new DaemonAssembly(settings, InProcessServerBuilder.forName(name), clock);
        try {
            assembly.start();
        } catch (IOException e) {
            assembly.close();
            throw new UncheckedIOException(e);
        }
        this.channel = InProcessChannelBuilder.forName(name).build();
        this.client = DaemonClient.over(channel, TOKEN);
    }

    public DaemonClient client() {
        return client;
    }

    /** A client sending another token (or none, when {@code token} is null). */
    public DaemonClient clientWithToken(String token) {
        return DaemonClient.over(channel, token);
    }

    public ManagedChannel channel() {
        return channel;
    }

    public DaemonAssembly assembly() {
        return assembly;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Follows a run with WatchRun until it completes; returns every event received. */
    public List<RunEventInfo> watchToEnd(String runId, long afterSequence, Duration timeout) {
        return watchToEnd(client, runId, afterSequence, timeout);
    }

    public static List<RunEventInfo> watchToEnd(DaemonClient client, String runId, long afterSequence, Duration timeout) {
        List<RunEventInfo> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (var sub = client.watchRun(runId, afterSequence, new StreamListener<>() {
            @Override
            public void onItem(RunEventInfo item) {
                events.add(item);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }

            @Override
            public void onError(DaemonCallException error) {
                done.completeExceptionally(error);
            }
        })) {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("watching run " + runId + " did not complete: " + e + "; got " + events.size()
                    + " events", e);
        }
        return List.copyOf(events);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        assembly.close();
    }
}
