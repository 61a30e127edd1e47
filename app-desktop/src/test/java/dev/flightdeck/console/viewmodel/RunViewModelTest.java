package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.console.concurrent.InlineUiExecutor;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.testing.MutableClock;
import dev.flightdeck.proto.v1.RunStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

class RunViewModelTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    private FakeDaemon daemon;
    private final InlineUiExecutor ui = new InlineUiExecutor();
    private final MutableClock clock = new MutableClock(T0);
    private ConsoleViewModel console;
    private boolean confirmCancel = true;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new FakeDaemon();
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_RUNNING, T0, 2));
        daemon.appendEvent(FakeDaemon.event("r1", 1));
        daemon.appendEvent(FakeDaemon.event("r1", 2));
        console = new ConsoleViewModel(ui, daemon.locator(), (t, q, c) -> confirmCancel, clock,
                Duration.ofSeconds(10), false);
        console.start(false);
    }

    @AfterEach
    void tearDown() {
        console.close();
        daemon.close();
    }

    private static List<Long> sequences(RunViewModel vm) {
        return vm.events().stream().map(RunEventInfo::sequence).toList();
    }

    @Test
    void opensFromSequenceZeroAndAppendsLiveEventsInOrder() {
        RunViewModel vm = console.openRun("r1");

        assertThat(daemon.watchRunAfterSequences).containsExactly(0L);
        assertThat(vm.getRun().state()).isEqualTo(RunState.RUNNING);
        assertThat(sequences(vm)).containsExactly(1L, 2L);
        assertThat(vm.followingProperty().get()).isTrue();

        daemon.appendEvent(FakeDaemon.event("r1", 3));
        daemon.appendEvent(FakeDaemon.event("r1", 4));

        assertThat(sequences(vm)).containsExactly(1L, 2L, 3L, 4L);
        assertThat(vm.events().get(3).type()).isEqualTo("tool_call_started");
        assertThat(vm.events().get(3).detailsJson()).contains("lookup_order");
    }

    @Test
    void aModelCallsTimelineLineHasItsHeadlineAndItsUsageApart() {
        RunViewModel vm = console.openRun("r1");
        daemon.appendEvent(FakeDaemon.modelResponded("r1", 3, 1_234, 1_200, 850));

        TimelineLine call = TimelineLine.of(vm.events().get(2));
        assertThat(call.headline()).isEqualTo("model gpt-4o-mini: \"Let me look up the order.\"");
        assertThat(call.usage()).isEqualTo("1,234 tok · $0.0012 · 850 ms");
        TimelineLine other = TimelineLine.of(vm.events().get(0));
        assertThat(other.headline()).isEqualTo(vm.events().get(0).summary());
        assertThat(other.usage()).isEmpty();
    }

    @Test
    void ignoresDuplicateEvents() {
        RunViewModel vm = console.openRun("r1");

        daemon.pushRaw(FakeDaemon.event("r1", 2));
        daemon.appendEvent(FakeDaemon.event("r1", 3));
        daemon.pushRaw(FakeDaemon.event("r1", 1));
        daemon.pushRaw(FakeDaemon.event("r1", 3));

        assertThat(sequences(vm)).containsExactly(1L, 2L, 3L);
        assertThat(vm.lastSequence()).isEqualTo(3);
    }

    @Test
    void resumesFromTheLastSequenceAfterAReconnectWithoutGapsOrDuplicates() {
        RunViewModel vm = console.openRun("r1");
        daemon.appendEvent(FakeDaemon.event("r1", 3));

        // The daemon goes away; events 4 and 5 are committed while the console is disconnected.
        daemon.reachable = false;
        daemon.breakStreams();
        assertThat(vm.followingProperty().get()).isFalse();
        assertThat(console.connection().getState()).isEqualTo(ConnectionViewModel.State.RECONNECTING);
        daemon.appendEvent(FakeDaemon.event("r1", 4));
        daemon.appendEvent(FakeDaemon.event("r1", 5));

        daemon.reachable = true;
        ui.runScheduled();

        assertThat(console.connection().getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
        assertThat(daemon.watchRunAfterSequences).containsExactly(0L, 3L);
        assertThat(sequences(vm)).containsExactly(1L, 2L, 3L, 4L, 5L);

        daemon.appendEvent(FakeDaemon.event("r1", 6));
        daemon.appendEvent(FakeDaemon.finished("r1", 7));
        assertThat(sequences(vm)).containsExactlyElementsOf(LongStream.rangeClosed(1, 7).boxed().toList());
        assertThat(vm.followingProperty().get()).isFalse();
        assertThat(vm.events().get(6).terminal()).isTrue();
    }

    @Test
    void stopsFollowingWhenClosed() {
        RunViewModel vm = console.openRun("r1");
        assertThat(daemon.openRunWatchers()).isEqualTo(1);

        console.closeRun(vm);

        assertThat(daemon.openRunWatchers()).isZero();
        daemon.appendEvent(FakeDaemon.event("r1", 3));
        assertThat(sequences(vm)).containsExactly(1L, 2L);
        assertThat(console.openRuns()).isEmpty();
    }

    @Test
    void openingAnOpenRunSelectsIt() {
        RunViewModel first = console.openRun("r1");
        RunViewModel again = console.openRun("r1");
        assertThat(again).isSameAs(first);
        assertThat(console.openRuns()).hasSize(1);
        assertThat(console.selectedRunProperty().get()).isSameAs(first);
    }

    @Test
    void followsRunStateFromTheRunsScreen() {
        RunViewModel vm = console.openRun("r1");
        daemon.updateRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_SUCCEEDED, T0, 9));
        assertThat(vm.getRun().state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(vm.canCancelProperty().get()).isFalse();
    }

    @Test
    void cancelAsksFirstThenCancels() {
        RunViewModel vm = console.openRun("r1");
        assertThat(vm.canCancelProperty().get()).isTrue();

        confirmCancel = false;
        vm.cancel();
        assertThat(vm.getRun().state()).isEqualTo(RunState.RUNNING);

        confirmCancel = true;
        vm.cancel();
        assertThat(vm.getRun().state()).isEqualTo(RunState.CANCELLED);
        assertThat(vm.canCancelProperty().get()).isFalse();
    }

    @Test
    void aMissingRunSurfacesAsAMessage() {
        RunViewModel vm = console.openRun("nope");
        assertThat(vm.errorProperty().get()).isEqualTo("Cannot load run nope: run nope not found");
        assertThat(console.notifications().messageProperty().get()).contains("run nope not found");
    }
}
