package dev.flightdeck.daemon.app;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.PushedBundle;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Starts the real daemon as a separate process and drives it over TCP, as the console and CLI do. */
class DaemonProcessEndToEndTest {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killDaemons() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
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
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "dev.flightdeck.daemon.cli.FlightdeckCli", "daemon", "--port", "0", "--data-dir", dataDir.toString())
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + "-" + processes.size() + ".out").toFile());
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    private String output(Process p) throws IOException {
        int index = processes.indexOf(p);
        return Files.readString(dataDir.resolveSibling(dataDir.getFileName() + "-" + index + ".out"), StandardCharsets.UTF_8);
    }

    private DaemonEndpoint awaitServing(Process daemon) {
        Await.until("daemon.json of pid " + daemon.pid() + " and health SERVING", START_TIMEOUT, () -> {
            if (!daemon.isAlive()) {
                throw new AssertionError("the daemon exited with " + daemon.exitValue() + ": " + safeOutput(daemon));
            }
            var endpoint = DaemonEndpoint.discover(dataDir);
            if (endpoint.isEmpty() || endpoint.get().pid() != daemon.pid()) {
                return false;
            }
            try (DaemonClient client = DaemonClient.connect(endpoint.get())) {
                return client.isServing();
            }
        });
        return DaemonEndpoint.discover(dataDir).orElseThrow();
    }

    private String safeOutput(Process p) {
        try {
            return output(p);
        } catch (IOException e) {
            return "(no output)";
        }
    }
}
