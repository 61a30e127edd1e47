package dev.flightdeck.daemon.app;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.DaemonProcesses;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** SIGTERM drains: no new runs, NOT_SERVING, the running step commits, exit 0; the run resumes on restart. */
class GracefulShutdownProcessTest {
    private static final int DRAIN_SECONDS = 8;
    /** After the drain: abandoning model calls, stopping the server and H2 (see RunScheduler, DaemonAssembly). */
    private static final int STOP_MARGIN_SECONDS = 12;

    @TempDir
    Path tmp;

    @Test
    void sigtermLetsTheRunningStepCommitRefusesNewRunsExitsZeroAndTheRunResumesWithoutRepeatingACall()
            throws Exception {
        Path dataDir = tmp.resolve("data");
        Path ledger = tmp.resolve("ledger.tsv");
        try (DaemonProcesses daemons = new DaemonProcesses(dataDir, Map.of(CallLedger.ENV, ledger.toString()))) {
            DaemonProcesses.Started daemon = daemons.startServing("--drain-seconds", Integer.toString(DRAIN_SECONDS));
            String runId;
            try (DaemonClient client = DaemonClient.connect(daemon.endpoint())) {
                client.pushBundle(SLOW_STEP_BUNDLE);
                runId = client.startRun("slow-step", "graceful-1", "", "").run().runId();
                // The slow, non-idempotent tool is executing: cutting it off would leave an ambiguous call.
                Await.until("the slow tool to be executing", Duration.ofSeconds(30),
                        () -> ledgerLines(ledger).stream().anyMatch(l -> l.endsWith("\tslow-1")));

                long signalled = System.nanoTime();
                daemon.process().destroy(); // SIGTERM
                Await.until("health NOT_SERVING while draining", Duration.ofSeconds(5), () -> !client.isServing());
                DaemonCallException refused = catchThrowableOfType(
                        () -> client.startRun("slow-step", "graceful-2", "", ""), DaemonCallException.class);
                assertThat(refused).isNotNull();
                assertThat(refused.code()).as("StartRun while draining: %s", refused).isEqualTo("UNAVAILABLE");
                assertThat(refused.getMessage()).contains("shutting down");

                assertThat(daemon.process().waitFor(DRAIN_SECONDS + STOP_MARGIN_SECONDS, TimeUnit.SECONDS))
                        .as("exited within the drain bound").isTrue();
                assertThat(daemon.process().exitValue()).isZero();
                System.out.printf("GracefulShutdownProcessTest: stopped %d ms after SIGTERM (drain %d s)%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled), DRAIN_SECONDS);
            }
            assertThat(dataDir.resolve("daemon.json")).doesNotExist();

            DaemonProcesses.Started again = daemons.startServing();
            try (DaemonClient client = DaemonClient.connect(again.endpoint())) {
                List<RunEventInfo> events = InProcessDaemon.watchToEnd(client, runId, 0, Duration.ofSeconds(60));
                assertThat(client.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);
                assertThat(HashChain.verify(events)).isEmpty();
                List<String> types = events.stream().map(RunEventInfo::type).toList();
                assertThat(types).doesNotContain("approval_requested"); // the slow call was not cut off
                assertThat(types.stream().filter("tool_call_finished"::equals)).hasSize(2);
                assertThat(client.listRuns(dev.flightdeck.client.RunFilter.ALL, 10, "").items())
                        .as("the refused StartRun stored nothing").hasSize(1);
            }
            List<String> lines = ledgerLines(ledger);
            assertThat(lines).as("every model and tool call issued exactly once").hasSize(5);
            assertThat(lines.stream().map(l -> l.substring(l.indexOf('\t', l.indexOf('\t') + 1))).distinct())
                    .hasSize(5);
        }
    }

    private static List<String> ledgerLines(Path ledger) {
        try {
            return Files.exists(ledger) ? Files.readAllLines(ledger, StandardCharsets.UTF_8) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Turn 1: a 3 s non-idempotent tool; turn 2: a quick one; then the answer. */
    private static final String SLOW_STEP_BUNDLE = """
            name: slow-step
            description: a step slower than a moment, shorter than the drain
            system_prompt: You are a test agent for {{tenant}}.
            tools:
              - name: record_once
                description: Records a call (not idempotent)
                implementation: builtin:record_call
                policy: allow
                parameters:
                  type: object
                  properties: {label: {type: string}, sleep_ms: {type: integer}}
                  required: [label]
            model:
              provider: scripted
              model: test-1
              script:
                - tool_calls:
                    - {tool: record_once, arguments: {label: slow-1, sleep_ms: 3000}}
                  latency_ms: 10
                - tool_calls:
                    - {tool: record_once, arguments: {label: quick-2, sleep_ms: 10}}
                  latency_ms: 10
                - text: done
                  latency_ms: 10
            limits:
              max_steps: 5
            """;
}
