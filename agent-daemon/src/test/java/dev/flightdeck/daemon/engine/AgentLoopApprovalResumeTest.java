package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.approval.ApprovalDecision;
import dev.flightdeck.daemon.approval.ApprovalKind;
import dev.flightdeck.daemon.approval.ApprovalQuery;
import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.daemon.approval.ApprovalState;
import dev.flightdeck.daemon.approval.ApprovalWrite;
import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.bundle.ToolPolicy;
import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ToolCall;
import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.store.ApprovalRepository;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.tool.IssueRefund;
import dev.flightdeck.daemon.tool.ToolRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 2 across restarts, at the engine: each test writes the history a daemon left behind
 * around a gated call (decided but not started; started but not finished), then drives the run
 * with a fresh loop and counts the refunds the gated tool really issued (its ledger file).
 */
class AgentLoopApprovalResumeTest {
    private static final String ARGS = "{\"order_id\":\"A-1001\",\"amount_usd\":89.99}";
    private static final ToolCall CALL = new ToolCall("call_1_1", "issue_refund", ARGS);
    private static final String APPROVAL = "apr_run-1_call_1_1";

    @TempDir
    Path dir;
    private LoopWiring wiring;
    private RunRepository runs;
    private RunEventRepository events;
    private ApprovalRepository approvals;
    private EventLog log;
    private AgentLoop loop;
    private RunRecord run;

    @BeforeEach
    void wire() {
        wiring = new LoopWiring(dir.resolve("db"), ToolRegistry.builtins(dir));
        runs = wiring.runs;
        events = wiring.events;
        approvals = wiring.approvals;
        log = wiring.log;
        loop = wiring.loop;
        BundleRegistry bundles = wiring.bundles;
        String version = bundles.push("""
                name: gated
                system_prompt: p
                tools:
                  - name: issue_refund
                    description: Issue a refund
                    implementation: builtin:issue_refund
                    policy: ask
                    parameters:
                      type: object
                      properties: {order_id: {type: string}, amount_usd: {type: number, maximum: 500}}
                      required: [order_id, amount_usd]
                model:
                  provider: scripted
                  model: m
                  script:
                    - tool_calls:
                        - tool: issue_refund
                          arguments: {order_id: "A-1001", amount_usd: 89.99}
                    - text: done
                """).versionId();
        run = RunRecord.queued("run-1", "gated", version, "default", "go", "", Instant.now());
        runs.insert(run);
    }

    @AfterEach
    void close() {
        wiring.close();
    }

    /** The history up to a gated call waiting for a human (as the loop writes it). */
    private void pausedAtTheGate() {
        append(0, new EventPayload.RunStarted("gated", run.bundleVersion(), "default", "go"), null);
        append(1, new EventPayload.ModelRequested("scripted", "m",
                List.of(ChatMessage.system("p"), ChatMessage.user("go")), 2, List.of("issue_refund")), null);
        append(1, new EventPayload.ModelResponded("scripted", "m", ChatMessage.assistant("", List.of(CALL)),
                "tool_calls", Usage.ZERO, 1, List.of()), null);
        append(1, new EventPayload.ToolCallProposed(CALL, ToolPolicy.ASK, "ask"), null);
        append(1, new EventPayload.ApprovalRequested(APPROVAL, CALL, "ask", ApprovalKind.GATED_TOOL_CALL),
                new ApprovalWrite.Insert(ApprovalRecord.pending(APPROVAL, "run-1", "default", "gated",
                        run.bundleVersion(), 1, CALL.callId(), CALL.toolName(), ARGS, ToolPolicy.ASK, "ask",
                        ApprovalKind.GATED_TOOL_CALL, null, "{}")));
    }

    private void decide(String approvalId, ApprovalDecision decision, String edited, String manual, String reason) {
        append(1, new EventPayload.ApprovalDecided(approvalId, decision, edited, "ann", reason, manual, ""),
                new ApprovalWrite.Decide(approvalId, decision, "ann", reason, edited, manual, "", null));
    }

    private void append(int step, EventPayload payload, ApprovalWrite write) {
        run = runs.find("run-1").orElseThrow(); // the loop may have appended since
        run = log.append(run, step, payload, write).run();
    }

    private List<String> types() {
        return events.readAll("run-1").stream().map(RunEventRecord::type).toList();
    }

    private List<String> ledger() throws IOException {
        Path file = dir.resolve(IssueRefund.LEDGER_FILE);
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private ApprovalRecord theAmbiguousApproval() {
        return approvals.list(new ApprovalQuery(ApprovalState.PENDING, "run-1", "", 0, 10)).stream()
                .map(ApprovalRepository.Row::approval).filter(a -> a.kind() == ApprovalKind.AMBIGUOUS_TOOL_CALL)
                .findFirst().orElseThrow();
    }

    @Test
    void aPendingApprovalIsStillPendingAfterARestartAndNothingExecutes() throws IOException {
        pausedAtTheGate();

        assertThat(InlineDrive.drive(loop, "run-1")).isEqualTo(AgentLoop.Outcome.WAITING);

        assertThat(types()).endsWith("approval_requested");
        assertThat(approvals.find(APPROVAL).orElseThrow().state()).isEqualTo(ApprovalState.PENDING);
        assertThat(ledger()).isEmpty();
    }

    @Test
    void anApprovalDecidedBeforeTheDaemonDiedExecutesTheToolExactlyOnceOnResume() throws IOException {
        pausedAtTheGate();
        decide(APPROVAL, ApprovalDecision.APPROVE, "", "", "");
        assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.RUNNING);

        assertThat(InlineDrive.drive(loop, "run-1")).isEqualTo(AgentLoop.Outcome.FINISHED);

        assertThat(ledger()).hasSize(1);
        assertThat(types()).containsSubsequence("approval_decided", "tool_call_started", "tool_call_finished",
                "model_requested", "run_finished");
        assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(InlineDrive.drive(loop, "run-1")).isEqualTo(AgentLoop.Outcome.FINISHED);
        assertThat(ledger()).hasSize(1);
    }

    @Test
    void anApprovedCallThatStartedWithoutAResultIsHeldAsAmbiguousNotRepeated() throws IOException {
        pausedAtTheGate();
        String edited = "{\"order_id\":\"A-1001\",\"amount_usd\":10}";
        decide(APPROVAL, ApprovalDecision.APPROVE_WITH_EDITS, edited, "", "");
        append(1, new EventPayload.ToolCallStarted(new ToolCall("call_1_1", "issue_refund", edited), "run-1/call_1_1", 1),
                null);

        assertThat(InlineDrive.drive(loop, "run-1")).isEqualTo(AgentLoop.Outcome.WAITING);

        assertThat(types()).endsWith("tool_call_started", "approval_requested");
        ApprovalRecord ambiguous = theAmbiguousApproval();
        assertThat(ambiguous.reason()).startsWith("ambiguous tool call");
        assertThat(ambiguous.argumentsJson()).isEqualTo(edited);
        assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.WAITING_APPROVAL);
        assertThat(ledger()).isEmpty();
    }

    @Test
    void retryingAnAmbiguousCallExecutesItOnceMoreWithTheArgumentsItStartedWith() throws IOException {
        pausedAtTheGate();
        String edited = "{\"order_id\":\"A-1001\",\"amount_usd\":10}";
        decide(APPROVAL, ApprovalDecision.APPROVE_WITH_EDITS, edited, "", "");
        append(1, new EventPayload.ToolCallStarted(new ToolCall("call_1_1", "issue_refund", edited), "run-1/call_1_1", 1),
                null);
        InlineDrive.drive(loop, "run-1");

        decide(theAmbiguousApproval().approvalId(), ApprovalDecision.RETRY, "", "", "checked: not issued");
        assertThat(InlineDrive.drive(loop, "run-1")).isEqualTo(AgentLoop.Outcome.FINISHED);

        assertThat(ledger()).singleElement().satisfies(l -> assertThat(l).contains("\"amount\":10.00"));
        assertThat(types().stream().filter("tool_call_started"::equals)).hasSize(2);
        assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
    }

    @Test
    void recordingAResultForAnAmbiguousCallNeverExecutesItAndTheModelGetsThatResult() throws IOException {
        pausedAtTheGate();
        decide(APPROVAL, ApprovalDecision.APPROVE, "", "", "");
        append(1, new EventPayload.ToolCallStarted(CALL, "run-1/call_1_1", 1), null);
        InlineDrive.drive(loop, "run-1");

        decide(theAmbiguousApproval().approvalId(), ApprovalDecision.RECORD_RESULT, "",
                "{\"refund_id\":\"RF-MANUAL\"}", "found it in the ledger");
        InlineDrive.drive(loop, "run-1");

        assertThat(ledger()).isEmpty();
        var finished = events.readAll("run-1").stream().filter(e -> e.type().equals("tool_call_finished")).findFirst()
                .map(wiring.codec::payloadOf).map(EventPayload.ToolCallFinished.class::cast).orElseThrow();
        assertThat(finished.resultJson()).isEqualTo("{\"refund_id\":\"RF-MANUAL\"}");
        assertThat(finished.isError()).isFalse();
        assertThat(runs.find("run-1").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
    }

    @Test
    void failingTheRunOnAnAmbiguousCallEndsItFailedWithTheReviewersReason() throws IOException {
        pausedAtTheGate();
        decide(APPROVAL, ApprovalDecision.APPROVE, "", "", "");
        append(1, new EventPayload.ToolCallStarted(CALL, "run-1/call_1_1", 1), null);
        InlineDrive.drive(loop, "run-1");

        decide(theAmbiguousApproval().approvalId(), ApprovalDecision.FAIL_RUN, "", "", "escalated to finance");
        InlineDrive.drive(loop, "run-1");

        RunRecord failed = runs.find("run-1").orElseThrow();
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.statusMessage()).contains("failed by ann").contains("escalated to finance");
        assertThat(ledger()).isEmpty();
    }
}
