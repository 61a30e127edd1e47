package dev.flightdeck.daemon.engine;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.app.DaemonSettings;
import dev.flightdeck.daemon.bundle.BundleSpec;
import dev.flightdeck.daemon.bundle.LimitsSpec;
import dev.flightdeck.daemon.bundle.ModelSpec;
import dev.flightdeck.daemon.bundle.ParsedBundle;
import dev.flightdeck.daemon.bundle.ToolPolicy;
import dev.flightdeck.daemon.bundle.ToolSpec;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the agent loop does, observed through the API as a client would. */
class AgentLoopBehaviourTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private InProcessDaemon daemon;

    private DaemonClient start(DaemonSettings settings) {
        daemon = new InProcessDaemon(settings);
        return daemon.client();
    }

    private DaemonClient start() {
        return start(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test"));
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static List<String> types(List<RunEventInfo> events) {
        return events.stream().map(RunEventInfo::type).toList();
    }

    @Test
    void stepLimitTripsExactlyAtMaxStepsWithStepLimit() {
        DaemonClient client = start();
        client.pushBundle(TestBundles.scripted("loop", 2, "allow", TestBundles.lookupTurn("A-1", 0)
                + TestBundles.lookupTurn("A-2", 0) + TestBundles.lookupTurn("A-3", 0) + TestBundles.textTurn("done", 0)));
        String runId = client.startRun("loop", "go", "", "").run().runId();

        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);
        RunInfo run = client.getRun(runId);

        assertThat(run.state()).isEqualTo(RunState.FAILED);
        assertThat(run.terminalReason()).isEqualTo("STEP_LIMIT");
        assertThat(run.stepCount()).isEqualTo(2);
        assertThat(run.statusMessage()).isEqualTo("stopped after 2 steps (max_steps = 2)");
        assertThat(types(events).stream().filter("model_requested"::equals)).hasSize(2);
        assertThat(types(events).subList(events.size() - 2, events.size()))
                .containsExactly("guardrail_tripped", "run_finished");
        assertThat(HashChain.verify(events)).isEmpty();
    }

    @Test
    void askToolLeavesTheRunWaitingForApprovalAndNeverExecutes() {
        DaemonClient client = start();
        client.pushBundle(TestBundles.scripted("gated", 5, "ask",
                TestBundles.lookupTurn("A-1001", 0) + TestBundles.textTurn("done", 0)));
        String runId = client.startRun("gated", "go", "", "").run().runId();

        Await.until("run waiting for approval", TIMEOUT,
                () -> client.getRun(runId).state() == RunState.WAITING_APPROVAL);
        List<RunEventInfo> events = client.getRunHistory(runId, 0, 0);

        assertThat(types(events)).containsExactly("run_started", "model_requested", "model_responded",
                "tool_call_proposed", "approval_requested");
        assertThat(events.get(3).detailsJson()).contains("TOOL_POLICY_ASK");
        assertThat(client.getRun(runId).statusMessage()).contains("lookup_order");

        RunInfo cancelled = client.cancelRun(runId, "not today", "ann");
        assertThat(cancelled.state()).isEqualTo(RunState.CANCELLED);
        assertThat(types(client.getRunHistory(runId, 0, 0))).doesNotContain("tool_call_started")
                .endsWith("cancel_requested", "run_finished");
    }

    @Test
    void denyToolNeverExecutesAndTheModelIsToldItWasDenied() {
        DaemonClient client = start();
        client.pushBundle(TestBundles.scripted("denied", 5, "deny",
                TestBundles.lookupTurn("A-1001", 0) + TestBundles.textTurn("sorry", 0)));
        String runId = client.startRun("denied", "go", "", "").run().runId();

        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);

        assertThat(client.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(types(events)).doesNotContain("tool_call_started");
        RunEventInfo finished = events.stream().filter(e -> e.type().equals("tool_call_finished")).findFirst().orElseThrow();
        assertThat(finished.detailsJson()).contains("denied by policy").contains("\"is_error\" : true");
    }

    @Test
    void aScriptThatRunsOutOfTurnsFailsWithAClearError() {
        DaemonClient client = start();
        client.pushBundle(TestBundles.scripted("short", 5, "allow", TestBundles.lookupTurn("A-1001", 0)));
        String runId = client.startRun("short", "go", "", "").run().runId();

        daemon.watchToEnd(runId, 0, TIMEOUT);
        RunInfo run = client.getRun(runId);

        assertThat(run.state()).isEqualTo(RunState.FAILED);
        assertThat(run.terminalReason()).isEqualTo("ERROR");
        assertThat(run.statusMessage()).contains("the script has 1 turn(s) and the run asked for turn 2");
    }

    @Test
    void argumentsTheToolRejectsBecomeAnErrorResultAndTheRunContinues() {
        DaemonClient client = start();
        client.pushBundle("""
                name: lax
                system_prompt: p
                tools:
                  - name: lookup_order
                    description: Look up an order
                    implementation: builtin:lookup_order
                    parameters: {type: object}
                model:
                  provider: scripted
                  model: m
                  script:
                    - tool_calls:
                        - tool: lookup_order
                          arguments: {}
                    - text: could not look it up
                """);
        String runId = client.startRun("lax", "go", "", "").run().runId();

        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);

        assertThat(client.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);
        RunEventInfo result = events.stream().filter(e -> e.type().equals("tool_call_finished")).findFirst().orElseThrow();
        assertThat(result.detailsJson()).contains("invalid arguments for tool").contains("order_id")
                .contains("\"is_error\" : true");
    }

    @Test
    void aCallToAToolTheBundleDoesNotDeclareFailsTheRunWithError() {
        DaemonClient client = start();
        // The parser rejects such scripts, so store the version directly: the engine must still cope.
        BundleSpec spec = new BundleSpec("rogue", "d", "p", List.of(new ToolSpec("lookup_order", "d",
                "{\"type\":\"object\"}", ToolPolicy.ALLOW, true, "builtin:lookup_order")),
                new ModelSpec("scripted", "m", "{}", "[{\"tool_calls\":[{\"tool\":\"nope\",\"arguments\":{}}]}]"),
                new LimitsSpec(5, 0, 0, 0));
        daemon.assembly().bundles().store(new ParsedBundle(spec, "{\"rogue\":1}", "ab".repeat(32), "name: rogue\n"));
        String runId = client.startRun("rogue", "go", "", "").run().runId();

        daemon.watchToEnd(runId, 0, TIMEOUT);
        RunInfo run = client.getRun(runId);

        assertThat(run.state()).isEqualTo(RunState.FAILED);
        assertThat(run.terminalReason()).isEqualTo("ERROR");
        assertThat(run.statusMessage()).isEqualTo("the model called unknown tool \"nope\"; the bundle declares: lookup_order");
    }

    @Test
    void cancelStopsAQueuedRunAtOnceAndARunningRunAtItsNextSafePoint() {
        DaemonClient client = start(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test").withRunWorkers(1));
        client.pushBundle(TestBundles.scripted("slow", 5, "allow", TestBundles.textTurn("late", 60_000)));
        String running = client.startRun("slow", "first", "", "").run().runId();
        Await.until("first run calling the model", TIMEOUT, () -> client.getRun(running).lastSequence() >= 2);
        String queued = client.startRun("slow", "second", "", "").run().runId();

        RunInfo queuedAfterCancel = client.cancelRun(queued, "not needed", "ann");
        client.cancelRun(running, "taking too long", "bob");
        List<RunEventInfo> runningEvents = daemon.watchToEnd(running, 0, TIMEOUT);

        assertThat(queuedAfterCancel.state()).isEqualTo(RunState.CANCELLED);
        assertThat(queuedAfterCancel.statusMessage()).isEqualTo("cancelled by ann: not needed");
        assertThat(types(client.getRunHistory(queued, 0, 0))).containsExactly("cancel_requested", "run_finished");
        RunInfo runningAfter = client.getRun(running);
        assertThat(runningAfter.state()).isEqualTo(RunState.CANCELLED);
        assertThat(runningAfter.terminalReason()).isEqualTo("CANCELLED");
        assertThat(runningAfter.statusMessage()).isEqualTo("cancelled by bob: taking too long");
        assertThat(types(runningEvents)).containsExactly("run_started", "model_requested", "cancel_requested",
                "run_finished");
        assertThat(HashChain.verify(runningEvents)).isEmpty();
    }

    @Test
    void aShutdownThatOutlastsTheDrainTimeAbandonsTheModelCallAndLeavesTheRunToResume() {
        DaemonClient client = start(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test")
                .withDrainTime(Duration.ofMillis(200)));
        client.pushBundle(TestBundles.scripted("stuck", 5, "allow", TestBundles.textTurn("late", 60_000)));
        String runId = client.startRun("stuck", "go", "", "").run().runId();
        Await.until("the model call under way", TIMEOUT, () -> client.getRun(runId).lastSequence() >= 2);

        long started = System.nanoTime();
        daemon.close();
        daemon = null;
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(tookMs).isLessThan(8_000);
        try (Database db = Database.open(dir.resolve("db"))) {
            var stored = new RunRepository(db).find(runId).orElseThrow();
            assertThat(stored.status()).isEqualTo(RunStatus.RUNNING);
            assertThat(stored.lastSequence()).isEqualTo(2); // run_started, model_requested: nothing half-written
        }
    }

    @Test
    void aRunStoppedByADaemonShutdownResumesFromItsLastEventWithoutRepeatingCalls() {
        DaemonClient client = start();
        client.pushBundle(TestBundles.scripted("steps", 10, "allow", TestBundles.lookupTurn("A-1", 300)
                + TestBundles.lookupTurn("A-2", 300) + TestBundles.textTurn("done", 300)));
        String runId = client.startRun("steps", "go", "", "").run().runId();
        Await.until("first model call under way", TIMEOUT, () -> client.getRun(runId).lastSequence() >= 2);

        daemon.close(); // drains: the current step finishes, no new step starts
        daemon = null;
        try (Database db = Database.open(dir.resolve("db"))) {
            var stored = new RunRepository(db).find(runId).orElseThrow();
            assertThat(stored.status()).isEqualTo(RunStatus.RUNNING);
            assertThat(stored.stepCount()).isLessThan(3);
        }

        DaemonClient again = start();
        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);

        assertThat(again.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(HashChain.verify(events)).isEmpty();
        List<String> types = types(events);
        assertThat(types.stream().filter("run_started"::equals)).hasSize(1);
        assertThat(types.stream().filter("model_requested"::equals)).hasSize(3);
        assertThat(types.stream().filter("model_responded"::equals)).hasSize(3);
        assertThat(types.stream().filter("tool_call_started"::equals)).hasSize(2);
    }
}
