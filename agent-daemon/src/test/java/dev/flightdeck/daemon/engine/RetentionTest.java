package dev.flightdeck.daemon.engine;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.PruneResult;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.app.DaemonConfig;
import dev.flightdeck.daemon.app.DaemonSettings;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.MutableClock;
import dev.flightdeck.daemon.testing.TestBundles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PruneRuns: only old terminal runs go, with their events; nothing else is ever touched. */
class RetentionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long DAY = 86_400;

    @TempDir
    Path dir;
    private InProcessDaemon daemon;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private DaemonClient start(DaemonConfig config) {
        daemon = new InProcessDaemon(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test").withConfig(config),
                clock);
        DaemonClient client = daemon.client();
        client.pushBundle(TestBundles.answering("quick", "hi"));
        client.pushBundle(TestBundles.scripted("gated", 5, "ask", TestBundles.lookupTurn("A-1", 0)
                + TestBundles.textTurn("done", 0)));
        client.pushBundle(TestBundles.scripted("stuck", 5, "allow", TestBundles.textTurn("never", 600_000)));
        return client;
    }

    private String finished(DaemonClient client) {
        String id = client.startRun("quick", "x", "", "").run().runId();
        daemon.watchToEnd(id, 0, TIMEOUT);
        return id;
    }

    @Test
    void prunesOnlyTerminalRunsOlderThanTheAge_neverWaitingOrRunningOnes_andADryRunChangesNothing() {
        DaemonClient client = start(DaemonConfig.DEFAULT);
        String oldDone = finished(client);
        String oldCancelled = client.startRun("stuck", "c", "", "").run().runId();
        client.cancelRun(oldCancelled, "no", "test");
        daemon.watchToEnd(oldCancelled, 0, TIMEOUT);
        String waiting = client.startRun("gated", "w", "", "").run().runId();
        Await.until("the gated run waits for approval", TIMEOUT,
                () -> client.getRun(waiting).state() == RunState.WAITING_APPROVAL);
        String running = client.startRun("stuck", "r", "", "").run().runId();
        Await.until("the stuck run is in its model call", TIMEOUT,
                () -> client.getRun(running).state() == RunState.RUNNING);
        clock.advance(Duration.ofDays(31));
        String recent = finished(client);

        PruneResult dry = client.pruneRuns(30 * DAY, true);
        assertThat(dry.dryRun()).isTrue();
        assertThat(dry.runIds()).containsExactly(oldDone, oldCancelled);
        assertThat(dry.runCount()).isEqualTo(2);
        assertThat(dry.eventCount()).isEqualTo(client.getRunHistory(oldDone, 0, 1000).size()
                + client.getRunHistory(oldCancelled, 0, 1000).size());
        assertThat(dry.cutoff()).isEqualTo(clock.instant().minus(Duration.ofDays(30)));
        assertThat(client.getRun(oldDone).state()).isEqualTo(RunState.SUCCEEDED);

        PruneResult pruned = client.pruneRuns(30 * DAY, false);
        assertThat(pruned.dryRun()).isFalse();
        assertThat(pruned.runIds()).containsExactly(oldDone, oldCancelled);
        assertThat(pruned.eventCount()).isEqualTo(dry.eventCount());
        assertThatThrownBy(() -> client.getRun(oldDone)).isInstanceOf(DaemonCallException.class)
                .hasMessageContaining("unknown run");
        assertThatThrownBy(() -> client.getRunHistory(oldCancelled, 0, 10)).isInstanceOf(DaemonCallException.class);
        assertThat(client.getRun(waiting).state()).isEqualTo(RunState.WAITING_APPROVAL);
        assertThat(client.getRun(running).state()).isEqualTo(RunState.RUNNING);
        assertThat(client.getRun(recent).state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(client.pruneRuns(30 * DAY, false).runCount()).isZero();
    }

    @Test
    void noAgeUsesTheConfiguredRetention() {
        DaemonClient client = start(DaemonConfig.parse("retention: {max_age_days: 7}\n", "daemon.yaml"));
        String old = finished(client);
        clock.advance(Duration.ofDays(8));
        String recent = finished(client);

        PruneResult pruned = client.pruneRuns(0, false);

        assertThat(pruned.runIds()).containsExactly(old);
        assertThat(client.getRun(recent).state()).isEqualTo(RunState.SUCCEEDED);
    }

    @Test
    void badAgesAreInvalidArgumentsAndChangeNothing() {
        DaemonClient client = start(DaemonConfig.DEFAULT);
        String old = finished(client);
        clock.advance(Duration.ofDays(400));

        assertThatThrownBy(() -> client.pruneRuns(-1, false)).isInstanceOf(DaemonCallException.class)
                .satisfies(e -> assertThat(((DaemonCallException) e).code()).isEqualTo("INVALID_ARGUMENT"))
                .hasMessageContaining("older_than_seconds: must be 0 (the configured retention) or more, got -1");
        assertThatThrownBy(() -> client.pruneRuns(0, false)).isInstanceOf(DaemonCallException.class)
                .satisfies(e -> assertThat(((DaemonCallException) e).code()).isEqualTo("INVALID_ARGUMENT"))
                .hasMessageContaining("older_than_seconds: required, because the daemon keeps runs forever");
        assertThatThrownBy(() -> client.pruneRuns(Long.MAX_VALUE, false)).isInstanceOf(DaemonCallException.class)
                .satisfies(e -> assertThat(((DaemonCallException) e).code()).isEqualTo("INVALID_ARGUMENT"))
                .hasMessageContaining("must be at most 3153600000");
        assertThat(client.getRun(old).state()).isEqualTo(RunState.SUCCEEDED);
    }
}
