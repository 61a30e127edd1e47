package dev.flightdeck.daemon.engine;

import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.bundle.ToolPolicy;
import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ToolCall;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.tool.ToolRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The loop continues a run from whatever its committed events say, as after a crash: each test
 * writes the history a worker left behind, then drives the run with a fresh loop.
 */
class AgentLoopResumeTest {
    @TempDir
    Path dir;
    private LoopWiring wiring;
    private Database db;
    private RunRepository runs;
    private RunEventRepository events;
    private EventLog log;
    private BundleRegistry bundles;
    private AgentLoop loop;
    private EventCodec codec;

    @BeforeEach
    void wire() {
        wiring = new LoopWiring(dir, ToolRegistry.builtins());
        db = wiring.db;
        runs = wiring.runs;
        events = wiring.events;
        log = wiring.log;
        bundles = wiring.bundles;
        loop = wiring.loop;
        codec = wiring.codec;
    }

    @AfterEach
    void close() {
        wiring.close();
    }

    private RunRecord newRun(boolean idempotentTool) {
        String yaml = """
                name: resume
                system_prompt: p
                tools:
                  - name: lookup_order
                    description: Look up an order
                    implementation: builtin:lookup_order
                    idempotent: %s
                    parameters:
                      type: object
                      properties: {order_id: {type: string}}
                      required: [order_id]
                model:
                  provider: scripted
                  model: m
                  script:
                    - tool_calls:
                        - tool: lookup_order
                          arguments: {order_id: "A-1001"}
                    - text: done
                """.formatted(idempotentTool);
        String version = bundles.push(yaml).versionId();
        RunRecord run = RunRecord.queued("run-1", "resume", version, "default", "go", "", Instant.now());
        runs.insert(run);
        return run;
    }

    private static final ToolCall CALL = new ToolCall("call_1_1", "lookup_order", "{\"order_id\":\"A-1001\"}");

    /** The history of a worker that died right after committing ToolCallStarted. */
    private RunRecord crashedWhileTheToolRan(RunRecord run) {
        run = log.append(run, 0, new EventPayload.RunStarted("resume", run.bundleVersion(), "default", "go")).run();
        run = log.append(run, 1, new EventPayload.ModelRequested("scripted", "m",
                List.of(ChatMessage.system("p"), ChatMessage.user("go")), 2, List.of("lookup_order"))).run();
        run = log.append(run, 1, new EventPayload.ModelResponded("scripted", "m", ChatMessage.assistant("", List.of(CALL)),
                "tool_calls", Usage.ZERO, 1, List.of())).run();
        run = log.append(run, 1, new EventPayload.ToolCallProposed(CALL, ToolPolicy.ALLOW, "allow")).run();
        return log.append(run, 1, new EventPayload.ToolCallStarted(CALL, "run-1/call_1_1", 1)).run();
    }

    @Test
    void runsPickedUpTogetherAreRebuiltEachFromItsOwnEventsAndOneWithAnUnreadableEventFailsAlone() {
        RunRecord first = crashedWhileTheToolRan(newRun(true));
        RunRecord second = RunRecord.queued("run-2", "resume", first.bundleVersion(), "default", "go", "", Instant.now());
        runs.insert(second);
        second = log.append(second, 0, new EventPayload.RunStarted("resume", second.bundleVersion(), "default", "go")).run();
        log.append(second, 1, new EventPayload.ModelRequested("scripted", "m",
                List.of(ChatMessage.system("p"), ChatMessage.user("go")), 2, List.of("lookup_order")));
        db.inTransaction(c -> {
            try (var ps = c.prepareStatement("UPDATE run_events SET payload_json = ? WHERE run_id = ? AND sequence = ?")) {
                ps.setString(1, "{\"provider\": ");
                ps.setString(2, "run-2");
                ps.setLong(3, 2);
                return ps.executeUpdate();
            }
        });

        var kept = loop.restore(List.of("run-1", "run-2"));

        assertThat(kept).containsOnlyKeys("run-1");
        assertThat(kept.get("run-1").run().lastSequence()).isEqualTo(first.lastSequence());
        assertThatThrownBy(() -> InlineDrive.drive(loop, "run-2")).hasMessageContaining("event run-2#2 has an unreadable payload");
        assertThat(InlineDrive.drive(loop, "run-1")).isEqualTo(AgentLoop.Outcome.FINISHED);
        assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
    }

    private List<String> types() {
        return events.readAll("run-1").stream().map(RunEventRecord::type).toList();
    }

    @Test
    void anIdempotentToolInterruptedMidCallRunsAgainAsAttemptTwoAndTheModelIsNotAskedAgain() {
        crashedWhileTheToolRan(newRun(true));

        AgentLoop.Outcome outcome = InlineDrive.drive(loop, "run-1");

        assertThat(outcome).isEqualTo(AgentLoop.Outcome.FINISHED);
        assertThat(types()).containsExactly("run_started", "model_requested", "model_responded", "tool_call_proposed",
                "tool_call_started", "tool_call_started", "tool_call_finished", "model_requested", "model_responded",
                "run_finished");
        RunEventRecord retry = events.readAll("run-1").get(5);
        assertThat(((EventPayload.ToolCallStarted) codec.payloadOf(retry)).attempt()).isEqualTo(2);
        assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(HashChain.verify(asInfos())).isEmpty();
    }

    @Test
    void aNonIdempotentToolInterruptedMidCallIsHeldForAHumanInsteadOfRunningTwice() {
        crashedWhileTheToolRan(newRun(false));

        AgentLoop.Outcome outcome = InlineDrive.drive(loop, "run-1");

        assertThat(outcome).isEqualTo(AgentLoop.Outcome.WAITING);
        assertThat(types()).endsWith("tool_call_started", "approval_requested");
        assertThat(types().stream().filter("tool_call_started"::equals)).hasSize(1);
        var gate = (EventPayload.ApprovalRequested) codec.payloadOf(events.readAll("run-1").get(5));
        assertThat(gate.reason()).startsWith("ambiguous tool call");
        assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.WAITING_APPROVAL);
    }

    @Test
    void aModelRequestWithoutAResponseIsCalledOnceAndTheRunContinues() {
        RunRecord run = newRun(true);
        run = log.append(run, 0, new EventPayload.RunStarted("resume", run.bundleVersion(), "default", "go")).run();
        log.append(run, 1, new EventPayload.ModelRequested("scripted", "m",
                List.of(ChatMessage.system("p"), ChatMessage.user("go")), 2, List.of("lookup_order")));

        InlineDrive.drive(loop, "run-1");

        assertThat(types()).containsExactly("run_started", "model_requested", "model_responded", "tool_call_proposed",
                "tool_call_started", "tool_call_finished", "model_requested", "model_responded", "run_finished");
        var second = (EventPayload.ModelRequested) codec.payloadOf(events.readAll("run-1").get(6));
        assertThat(second.messageCount()).isEqualTo(4); // system, user, assistant, tool result
        assertThat(second.newMessages()).extracting(ChatMessage::role)
                .containsExactly(dev.flightdeck.daemon.model.Role.ASSISTANT, dev.flightdeck.daemon.model.Role.TOOL);
    }

    private List<RunEventInfo> asInfos() {
        return events.readAll("run-1").stream().map(e -> new RunEventInfo(e.runId(), e.sequence(), e.occurredAt(),
                e.step(), e.type(), "", "", e.prevHash(), e.hash(), e.canonicalJson(), e.isRunFinished())).toList();
    }
}
