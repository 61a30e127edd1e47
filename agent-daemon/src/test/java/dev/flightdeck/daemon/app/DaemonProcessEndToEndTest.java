package dev.flightdeck.daemon.app;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.PushedBundle;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.DaemonProcesses;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Starts the real daemon as a separate process and drives it over TCP, as the console and CLI do. */
class DaemonProcessEndToEndTest {
    @TempDir
    Path dataDir;
    private DaemonProcesses daemons;

    @BeforeEach
    void setUp() {
        daemons = new DaemonProcesses(dataDir);
    }

    @AfterEach
    void killDaemons() throws InterruptedException {
        daemons.close();
    }

    @Test
    void daemonServesARunOverTcpStopsCleanlyOnSigtermAndKeepsHistoryAcrossRestart() throws Exception {
        Process daemon = startDaemon();
        DaemonEndpoint endpoint = awaitServing(daemon);

        assertThat(endpoint.host()).isEqualTo("127.0.0.1");
        assertThat(endpoint.token()).matches("[0-9a-f]{64}");
        assertThat(Files.getPosixFilePermissions(dataDir.resolve("daemon.json")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));

        String runId;
        List<RunEventInfo> events;
        try (DaemonClient client = DaemonClient.connect(endpoint)) {
            assertThat(client.listBundles("", 0, "").items()).extracting(b -> b.name()).contains("support-refund");
            PushedBundle pushed = client.pushBundle(TestBundles.scripted("e2e", 5, "allow",
                    TestBundles.lookupTurn("A-2002", 50) + TestBundles.textTurn("done", 50)));
            assertThat(pushed.created()).isTrue();

            runId = client.startRun("e2e", "look up A-2002", "", "").run().runId();
            events = InProcessDaemon.watchToEnd(client, runId, 0, Duration.ofSeconds(30));

            assertThat(HashChain.verify(events)).isEmpty();
            assertThat(events).extracting(RunEventInfo::sequence)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
            assertThat(client.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);

            List<RunEventInfo> rest = InProcessDaemon.watchToEnd(client, runId, 3, Duration.ofSeconds(30));
            assertThat(rest).isEqualTo(events.subList(3, events.size()));
            assertThat(client.daemonInfo().pid()).isEqualTo(daemon.pid());
        }

        Process second = startDaemon();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isNotZero();
        assertThat(output(second)).contains("a daemon is already running on " + dataDir.toAbsolutePath()
                + " (pid " + daemon.pid() + ")");
        assertThat(daemon.isAlive()).isTrue();

        daemon.destroy(); // SIGTERM
        assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(daemon.exitValue()).isZero();
        assertThat(dataDir.resolve("daemon.json")).doesNotExist();

        Process restarted = startDaemon();
        DaemonEndpoint again = awaitServing(restarted);
        try (DaemonClient client = DaemonClient.connect(again)) {
            RunInfo run = client.getRun(runId);
            assertThat(run.state()).isEqualTo(RunState.SUCCEEDED);
            assertThat(client.getRunHistory(runId, 0, 0)).isEqualTo(events);
        }
    }

    @Test
    void aRunInterruptedByKillDashNineResumesOnRestartWithoutLosingOrRepeatingCommittedWork() throws Exception {
        Process daemon = startDaemon();
        DaemonEndpoint endpoint = awaitServing(daemon);
        String runId;
        long seenBeforeKill;
        try (DaemonClient client = DaemonClient.connect(endpoint)) {
            runId = client.startRun("support-refund", "refund A-1001, it arrived damaged", "", "").run().runId();
            Await.until("the run to be a few events in", Duration.ofSeconds(30),
                    () -> client.getRun(runId).lastSequence() >= 5);
            seenBeforeKill = client.getRun(runId).lastSequence();
        }

        daemon.destroyForcibly(); // SIGKILL: no drain, no cleanup
        assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Process restarted = startDaemon();
        DaemonEndpoint again = awaitServing(restarted);
        try (DaemonClient client = DaemonClient.connect(again)) {
            List<RunEventInfo> events = InProcessDaemon.watchToEnd(client, runId, 0, Duration.ofSeconds(30));

            assertThat(client.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);
            assertThat(events.size()).isGreaterThanOrEqualTo((int) seenBeforeKill);
            assertThat(HashChain.verify(events)).isEmpty();
            List<String> types = events.stream().map(RunEventInfo::type).toList();
            assertThat(types.stream().filter("run_started"::equals)).hasSize(1);
            assertThat(types.stream().filter("model_responded"::equals)).hasSize(4);
            assertThat(types.stream().filter("tool_call_finished"::equals)).hasSize(3);
        }
    }

    private Process startDaemon() throws IOException {
        return daemons.start();
    }

    private String output(Process p) throws IOException {
        return daemons.output(p);
    }

    private DaemonEndpoint awaitServing(Process daemon) {
        return daemons.awaitServing(daemon);
    }
}
