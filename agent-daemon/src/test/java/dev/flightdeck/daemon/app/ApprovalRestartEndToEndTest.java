package dev.flightdeck.daemon.app;

import dev.flightdeck.client.ApprovalFilter;
import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.ApprovalKind;
import dev.flightdeck.client.ApprovalState;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.DecideApproval;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.DaemonProcesses;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.tool.IssueRefund;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 2 against the real daemon process: a pause and a decision survive kill -9 at either
 * side of the decision, and the gated refund is issued exactly once (counted in the ledger file
 * {@code builtin:issue_refund} appends to).
 */
class ApprovalRestartEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    private DaemonProcesses daemons;

    @BeforeEach
    void processes() {
        daemons = new DaemonProcesses(dataDir);
    }

    @AfterEach
    void killDaemons() throws InterruptedException {
        daemons.close();
    }

    private List<String> ledger() {
        Path file = dataDir.resolve(IssueRefund.LEDGER_FILE);
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the approvals demo and waits for its pause; returns the pending approval. */
    private static ApprovalInfo pausedRefund(DaemonClient client) {
        String runId = client.startRun("refund-with-approval", "refund A-1001, it arrived damaged", "", "")
                .run().runId();
        Await.until("the run to wait for approval", TIMEOUT,
                () -> client.getRun(runId).state() == RunState.WAITING_APPROVAL);
        return client.listApprovals(new ApprovalFilter(ApprovalState.PENDING, runId, ""), 0, "").items().get(0);
    }

    @Test
    void aPendingApprovalSurvivesKillDashNineAndDecidingItAfterTheRestartCompletesTheRun() throws Exception {
        Process daemon = daemons.start();
        ApprovalInfo pending;
        try (DaemonClient client = DaemonClient.connect(daemons.awaitServing(daemon))) {
            pending = pausedRefund(client);
        }

        DaemonProcesses.kill(daemon);
        DaemonEndpoint again = daemons.startServing().endpoint();

        try (DaemonClient client = DaemonClient.connect(again)) {
            assertThat(client.getRun(pending.runId()).state()).isEqualTo(RunState.WAITING_APPROVAL);
            assertThat(client.listApprovals(ApprovalFilter.PENDING, 0, "").items())
                    .extracting(ApprovalInfo::approvalId).containsExactly(pending.approvalId());
            assertThat(ledger()).as("nothing executed before the decision").isEmpty();

            client.decideApproval(DecideApproval.approve(pending.approvalId(), "verified the damage photos", "ann"));

            List<RunEventInfo> events = InProcessDaemon.watchToEnd(client, pending.runId(), 0, TIMEOUT);
            assertThat(client.getRun(pending.runId()).state()).isEqualTo(RunState.SUCCEEDED);
            assertThat(HashChain.verify(events)).isEmpty();
            assertThat(events.stream().filter(e -> e.type().equals("approval_decided")).findFirst().orElseThrow()
                    .canonicalJson()).contains("\"reviewer\":\"ann\"");
        }
        assertThat(ledger()).hasSize(1);
    }

    @Test
    void anApprovalDecidedRightBeforeKillDashNineIsExecutedExactlyOnceAfterTheRestart() throws Exception {
        Process daemon = daemons.start();
        ApprovalInfo pending;
        try (DaemonClient client = DaemonClient.connect(daemons.awaitServing(daemon))) {
            pending = pausedRefund(client);
            client.decideApproval(DecideApproval.approve(pending.approvalId(), "", "ann"));
            daemon.destroyForcibly(); // at once: the worker may not have started, or be mid-call
        }
        DaemonProcesses.kill(daemon);

        DaemonEndpoint again = daemons.startServing().endpoint();
        try (DaemonClient client = DaemonClient.connect(again)) {
            String runId = pending.runId();
            Await.until("the run to finish or ask about an ambiguous call", TIMEOUT,
                    () -> client.getRun(runId).state().isTerminal() || ambiguous(client, runId).isPresent());
            Optional<ApprovalInfo> ambiguous = ambiguous(client, runId);
            if (ambiguous.isPresent()) {
                // Killed while the refund tool ran: a reviewer checks the ledger instead of guessing.
                List<String> issued = ledger();
                client.decideApproval(issued.isEmpty()
                        ? DecideApproval.retry(ambiguous.get().approvalId(), "not in the ledger", "ann")
                        : DecideApproval.recordResult(ambiguous.get().approvalId(), issued.get(0), "in the ledger", "ann"));
            }
            List<RunEventInfo> events = InProcessDaemon.watchToEnd(client, runId, 0, TIMEOUT);

            assertThat(client.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);
            assertThat(HashChain.verify(events)).isEmpty();
            assertThat(events.stream().filter(e -> e.type().equals("approval_decided"))
                    .filter(e -> e.canonicalJson().contains(pending.approvalId() + "\""))).hasSize(1);
        }
        assertThat(ledger()).as("the refund was issued exactly once").hasSize(1);
    }

    private static Optional<ApprovalInfo> ambiguous(DaemonClient client, String runId) {
        return client.listApprovals(new ApprovalFilter(ApprovalState.PENDING, runId, ""), 0, "").items().stream()
                .filter(a -> a.kind() == ApprovalKind.AMBIGUOUS_TOOL_CALL).findFirst();
    }
}
