package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.tool.ToolRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run whose tool is executing holds no worker: the tool runs on a tool thread and the run comes
 * back to a worker when it returns (ADR 0020). So a slow tool never holds up other runs' steps,
 * even with one worker; and a cancel or a drain that comes meanwhile still gets the tool's result
 * recorded, since the tool did run.
 */
class AsyncToolCallTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private LoopWiring wiring;
    private RunScheduler scheduler;
    /** Holds every call of test:slow until the test completes it. */
    private final CompletableFuture<Void> slowToolGate = new CompletableFuture<>();
    private final AtomicInteger slowExecutions = new AtomicInteger();
    /** When set, test:slow throws it after the gate instead of answering. */
    private volatile Error slowToolThrows;

    @BeforeEach
    void wire() {
        ToolRegistry tools = ToolRegistry.builtins()
                .with(TestTools.tool("test:slow", arguments -> {
                    slowExecutions.incrementAndGet();
                    slowToolGate.join();
                    if (slowToolThrows != null) {
                        throw slowToolThrows;
                    }
                    return JsonNodeFactory.instance.objectNode().put("slow", "answered");
                }))
                .with(TestTools.tool("test:quick", arguments -> JsonNodeFactory.instance.objectNode().put("quick", 1)));
        wiring = new LoopWiring(dir, tools);
    }

    @AfterEach
    void close() {
        slowToolGate.complete(null);
        if (scheduler != null) {
            scheduler.close();
        }
        wiring.close();
    }

    private String push(String name, String tool) {
        return wiring.bundles.push("""
                name: %s
                system_prompt: p
                tools:
                  - name: %s
                    description: a test tool
                    implementation: test:%s
                    parameters: {type: object}
                model:
                  provider: scripted
                  model: m
                  script:
                    - tool_calls:
                        - {tool: %s, arguments: {}}
                    - text: done
                """.formatted(name, tool, tool, tool)).versionId();
    }

    private String queue(String runId, String bundle, String version) {
        wiring.runs.insert(RunRecord.queued(runId, bundle, version, "default", "go", "", Instant.now()));
        return runId;
    }

    private RunRecord run(String runId) {
        return wiring.runs.find(runId).orElseThrow();
    }

    private List<String> types(String runId) {
        return wiring.events.readAll(runId).stream().map(RunEventRecord::type).toList();
    }

    private String toolResult(String runId) {
        return wiring.events.readAll(runId).stream().filter(e -> e.type().equals("tool_call_finished"))
                .findFirst().orElseThrow().payloadJson();
    }

    /** One worker thread: before ADR 0020 a slow tool kept it, and every other run waited. */
    private void startWithOneWorker() {
        scheduler = new RunScheduler(wiring.loop, wiring.runs, 4, tenant -> 4, 1);
        scheduler.resumeUnfinished();
    }

    @Test
    void aRunWhoseToolIsExecutingHoldsNoWorkerSoOtherRunsFinishMeanwhile() {
        String slow = queue("run-slow", "slow", push("slow", "slow"));
        startWithOneWorker();
        Await.until("the slow tool executing", TIMEOUT, () -> scheduler.awaitingTool() == 1);
        String quickVersion = push("quick", "quick");
        List<String> quick = List.of(queue("run-quick-1", "quick", quickVersion),
                queue("run-quick-2", "quick", quickVersion));
        scheduler.submit("run-quick-1");

        Await.until("the quick runs finish", TIMEOUT, () -> quick.stream().allMatch(id -> run(id).status().isTerminal()));
        assertThat(quick).allSatisfy(id -> assertThat(run(id).status()).isEqualTo(RunStatus.SUCCEEDED));
        assertThat(run(slow).status()).as("the slow run, its tool still executing").isEqualTo(RunStatus.RUNNING);
        assertThat(types(slow)).endsWith("tool_call_started");
        assertThat(scheduler.busyWorkers()).as("it keeps its slot").isEqualTo(1);

        slowToolGate.complete(null);
        Await.until("the slow run finishes", TIMEOUT, () -> run(slow).status().isTerminal());
        assertThat(run(slow).status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(types(slow)).containsSubsequence("tool_call_started", "tool_call_finished", "model_requested",
                "model_responded", "run_finished");
        assertThat(toolResult(slow)).contains("answered");
        assertThat(slowExecutions.get()).isEqualTo(1);
        assertThat(scheduler.awaitingTool()).isZero();
    }

    @Test
    void aCancelWhileTheToolExecutesRecordsTheToolsResultThenCancelsTheRun() throws Exception {
        String slow = queue("run-slow", "slow", push("slow", "slow"));
        startWithOneWorker();
        Await.until("the slow tool executing", TIMEOUT, () -> scheduler.awaitingTool() == 1);

        CompletableFuture<RunRecord> cancelled = scheduler.cancel(run(slow), "alice", "too slow", CallerWait.unbounded());
        assertThat(cancelled).as("the tool may have side effects: it is not interrupted").isNotDone();
        slowToolGate.complete(null);

        assertThat(cancelled.get(60, TimeUnit.SECONDS).status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(types(slow)).endsWith("tool_call_started", "tool_call_finished", "cancel_requested", "run_finished");
        assertThat(toolResult(slow)).contains("answered");
        assertThat(run(slow).statusMessage()).isEqualTo("cancelled by alice: too slow");
        assertThat(slowExecutions.get()).isEqualTo(1);
    }

    @Test
    void aDrainLetsAnExecutingToolFinishAndRecordsItsResultSoTheNextStartDoesNotAskAboutIt() throws Exception {
        String slow = queue("run-slow", "slow", push("slow", "slow"));
        startWithOneWorker();
        Await.until("the slow tool executing", TIMEOUT, () -> scheduler.awaitingTool() == 1);

        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> scheduler.drain(Duration.ofSeconds(30)));
        Await.until("the scheduler draining", TIMEOUT, scheduler::isDraining);
        slowToolGate.complete(null);
        drained.get(60, TimeUnit.SECONDS);

        assertThat(run(slow).status()).as("paused at the step boundary, resumed on the next start")
                .isEqualTo(RunStatus.RUNNING);
        assertThat(types(slow)).endsWith("tool_call_started", "tool_call_finished");
        assertThat(wiring.approvals.pendingOf(slow)).as("no ambiguous call to decide").isEmpty();
    }

    @Test
    void aToolThatThrowsAnErrorFailsItsRunWithAnErrorIdInsteadOfLeavingItHeld() {
        slowToolThrows = new NoClassDefFoundError("com/example/Missing");
        slowToolGate.complete(null);
        String slow = queue("run-slow", "slow", push("slow", "slow"));
        startWithOneWorker();

        Await.until("the run ends", TIMEOUT, () -> run(slow).status().isTerminal());
        assertThat(run(slow).status()).isEqualTo(RunStatus.FAILED);
        assertThat(run(slow).statusMessage()).startsWith("internal error in the daemon (error id ");
        Await.until("the run let go", TIMEOUT, () -> scheduler.busyWorkers() == 0);
    }
}
