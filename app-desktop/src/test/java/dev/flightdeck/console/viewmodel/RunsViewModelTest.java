package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.RunState;
import dev.flightdeck.console.concurrent.InlineUiExecutor;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.testing.MutableClock;
import dev.flightdeck.proto.v1.RunStatus;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RunsViewModelTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    private FakeDaemon daemon;
    private final InlineUiExecutor ui = new InlineUiExecutor();
    private final MutableClock clock = new MutableClock(T0.plusSeconds(60));
    private ConsoleViewModel console;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new FakeDaemon();
        console = new ConsoleViewModel(ui, daemon.locator(), UserPrompts.answering(false), clock,
                Duration.ofSeconds(10), false);
    }

    @AfterEach
    void tearDown() {
        console.close();
        daemon.close();
    }

    private RunsViewModel runs() {
        return console.runs();
    }

    private java.util.List<String> visibleIds() {
        return runs().visibleRuns().stream().map(RunRow::runId).toList();
    }

    @Test
    void listsRunsNewestFirstOnConnect() {
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_SUCCEEDED, T0, 5));
        daemon.putRun(FakeDaemon.run("r3", RunStatus.RUN_STATUS_RUNNING, T0.plusSeconds(20), 2));
        daemon.putRun(FakeDaemon.run("r2", RunStatus.RUN_STATUS_FAILED, T0.plusSeconds(10), 4));

        console.start(false);

        assertThat(runs().loadedProperty().get()).isTrue();
        assertThat(visibleIds()).containsExactly("r3", "r2", "r1");
    }

    @Test
    void appliesLiveUpdatesAndKeepsNewestFirst() {
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, T0, 1));
        console.start(false);

        daemon.updateRun(FakeDaemon.run("r2", RunStatus.RUN_STATUS_QUEUED, T0.plusSeconds(5), 0));
        daemon.updateRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_SUCCEEDED, T0, 7));

        assertThat(visibleIds()).containsExactly("r2", "r1");
        assertThat(runs().visibleRuns().get(1).getRun().state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(runs().visibleRuns().get(1).getRun().lastSequence()).isEqualTo(7);
    }

    @Test
    void ignoresAStaleStateOlderThanTheOneShown() {
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, T0, 1));
        console.start(false);
        daemon.updateRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_SUCCEEDED, T0, 9));

        runs().apply(toInfo(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, T0, 3)));

        assertThat(runs().visibleRuns().get(0).getRun().state()).isEqualTo(RunState.SUCCEEDED);
    }

    @Test
    void filtersByStatusAndFollowsStatusChanges() {
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_SUCCEEDED, T0, 5));
        daemon.putRun(FakeDaemon.run("r2", RunStatus.RUN_STATUS_RUNNING, T0.plusSeconds(10), 2));
        console.start(false);

        runs().statusFilterProperty().set(RunState.SUCCEEDED);
        assertThat(visibleIds()).containsExactly("r1");

        daemon.updateRun(FakeDaemon.run("r2", RunStatus.RUN_STATUS_SUCCEEDED, T0.plusSeconds(10), 6));
        assertThat(visibleIds()).containsExactly("r2", "r1");

        runs().statusFilterProperty().set(RunState.FAILED);
        assertThat(visibleIds()).isEmpty();
        assertThat(runs().emptyTextProperty().get()).isEqualTo("No failed runs");

        runs().statusFilterProperty().set(null);
        assertThat(visibleIds()).containsExactly("r2", "r1");
    }

    @Test
    void saysHowToStartWhenThereAreNoRuns() {
        console.start(false);
        assertThat(runs().visibleRuns()).isEmpty();
        assertThat(runs().emptyTextProperty().get()).isEqualTo("No runs yet — start one with New run");
    }

    @Test
    void durationTicksWhileRunning() {
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, T0, 1));
        console.start(false);
        assertThat(runs().visibleRuns().get(0).durationProperty().get()).isEqualTo("1 m 00 s");

        clock.advance(Duration.ofSeconds(5));
        runs().tick();

        assertThat(runs().visibleRuns().get(0).durationProperty().get()).isEqualTo("1 m 05 s");
    }

    @Test
    void errorsSurfaceAsAMessage() {
        daemon.failListRuns = Status.PERMISSION_DENIED.withDescription("missing or wrong token");
        console.start(false);

        assertThat(runs().errorProperty().get()).isEqualTo("Cannot list runs: missing or wrong token");
        assertThat(console.notifications().messageProperty().get()).isEqualTo("Cannot list runs: missing or wrong token");
        assertThat(console.notifications().notices()).hasSize(1);
    }

    @Test
    void listsAgainAfterAReconnect() {
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, T0, 1));
        console.start(false);

        daemon.reachable = false;
        daemon.breakStreams();
        assertThat(console.connection().getState()).isEqualTo(ConnectionViewModel.State.RECONNECTING);
        // While the daemon was away, r1 finished and r2 started.
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_SUCCEEDED, T0, 8));
        daemon.putRun(FakeDaemon.run("r2", RunStatus.RUN_STATUS_RUNNING, T0.plusSeconds(30), 1));
        daemon.reachable = true;
        ui.runScheduled();

        assertThat(console.connection().getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
        assertThat(visibleIds()).containsExactly("r2", "r1");
        assertThat(runs().visibleRuns().get(1).getRun().state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(daemon.openRunsWatchers()).isEqualTo(1);
    }

    private static dev.flightdeck.client.RunInfo toInfo(dev.flightdeck.proto.v1.Run run) {
        return new dev.flightdeck.client.RunInfo(run.getRunId(), run.getBundleName(), run.getBundleVersion(),
                run.getTenant(), run.getInput(), "", RunState.valueOf(run.getStatus().name().substring(11)), "", "",
                "", T0, T0, null, 0, run.getLastSequence(), dev.flightdeck.client.UsageInfo.NONE);
    }
}
