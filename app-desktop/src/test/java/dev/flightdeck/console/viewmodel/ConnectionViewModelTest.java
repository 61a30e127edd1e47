package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.console.concurrent.InlineUiExecutor;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.testing.MutableClock;
import dev.flightdeck.proto.v1.RunStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionViewModelTest {
    private FakeDaemon daemon;
    private final InlineUiExecutor ui = new InlineUiExecutor();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-21T10:00:00Z"));
    private final NotificationsViewModel notifications = new NotificationsViewModel(clock);
    private final AtomicInteger asked = new AtomicInteger();
    private ConnectionViewModel connection;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new FakeDaemon();
    }

    @AfterEach
    void tearDown() {
        connection.close();
        daemon.close();
    }

    private ConnectionViewModel connection(boolean answer, boolean startWithoutAsking) {
        connection = new ConnectionViewModel(ui, daemon.locator(), (t, q, c) -> {
            asked.incrementAndGet();
            return answer;
        }, notifications, clock, Duration.ofSeconds(10), startWithoutAsking);
        return connection;
    }

    @Test
    void connectsToARunningDaemonAndSaysSo() {
        connection(false, false).connect();

        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
        assertThat(connection.statusTextProperty().get()).isEqualTo("Connected to flightdeckd 0.1.0-test on port 7001");
        assertThat(connection.getClient()).isNotNull();
        assertThat(asked).hasValue(0);
    }

    @Test
    void offersToStartADaemonWhenNoneRuns() {
        daemon.reachable = false;
        connection(false, false).connect();

        assertThat(asked).hasValue(1);
        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.NO_DAEMON);
        assertThat(connection.statusTextProperty().get()).isEqualTo("No daemon running");
        assertThat(connection.canStartDaemonProperty().get()).isTrue();

        connection.startDaemon();
        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
    }

    @Test
    void startsADaemonWithoutAskingWhenToldTo() {
        daemon.reachable = false;
        connection(false, true).connect();

        assertThat(asked).hasValue(0);
        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
    }

    @Test
    void reconnectsByItselfWithANewClientAfterARestart() {
        connection(false, false).connect();
        DaemonClient first = connection.getClient();

        daemon.reachable = false;
        connection.connectionLost(first);
        assertThat(connection.getClient()).isNull();
        assertThat(connection.statusTextProperty().get()).isEqualTo("Connection lost — reconnecting…");
        ui.runScheduled();
        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.RECONNECTING);

        daemon.reachable = true;
        ui.runScheduled();

        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
        assertThat(connection.getClient()).isNotNull().isNotSameAs(first);
        assertThat(connection.statusTextProperty().get()).endsWith("on port 7002");
    }

    @Test
    void givesUpReconnectingAfterTheDeadlineButKeepsLookingQuietly() {
        connection(false, false).connect();
        daemon.reachable = false;
        connection.connectionLost(connection.getClient());

        clock.advance(Duration.ofSeconds(11));
        ui.runScheduled();
        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.NO_DAEMON);

        daemon.reachable = true;
        ui.runScheduled();
        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
    }

    @Test
    void ignoresReportsAboutAnOldClient() {
        connection(false, false).connect();
        DaemonClient first = connection.getClient();
        daemon.reachable = false;
        connection.connectionLost(first);
        daemon.reachable = true;
        ui.runScheduled();
        DaemonClient second = connection.getClient();

        connection.connectionLost(first);

        assertThat(connection.getClient()).isSameAs(second);
        assertThat(connection.getState()).isEqualTo(ConnectionViewModel.State.CONNECTED);
    }

    @Test
    void demoStartsTheDemoRunWhenTheDaemonHasNoRuns() {
        connection = null;
        ConsoleViewModel console = new ConsoleViewModel(ui, daemon.locator(), UserPrompts.answering(false), clock,
                Duration.ofSeconds(10), true);
        console.start(true);

        assertThat(console.openRuns()).hasSize(1);
        assertThat(console.selectedRunProperty().get().getRun().bundleName()).isEqualTo("support-refund");
        assertThat(console.selectedRunProperty().get().getRun().input()).isEqualTo(ConsoleViewModel.DEMO_INPUT);
        console.close();
        connection = console.connection();
    }

    @Test
    void demoLeavesADaemonWithRunsAlone() {
        daemon.putRun(FakeDaemon.run("r1", RunStatus.RUN_STATUS_SUCCEEDED, Instant.now(), 3));
        ConsoleViewModel console = new ConsoleViewModel(ui, daemon.locator(), UserPrompts.answering(false), clock,
                Duration.ofSeconds(10), true);
        console.start(true);

        assertThat(console.openRuns()).isEmpty();
        assertThat(console.runs().visibleRuns()).hasSize(1);
        console.close();
        connection = console.connection();
    }
}
