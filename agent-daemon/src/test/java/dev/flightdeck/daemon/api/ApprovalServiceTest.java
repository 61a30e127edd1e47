package dev.flightdeck.daemon.api;

import dev.flightdeck.client.ApprovalDecision;
import dev.flightdeck.client.ApprovalFilter;
import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.ApprovalKind;
import dev.flightdeck.client.ApprovalState;
import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DecideApproval;
import dev.flightdeck.client.Page;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunFilter;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.client.Subscription;
import dev.flightdeck.daemon.testing.Answers;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.engine.RunScheduler;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.RunHold;
import dev.flightdeck.daemon.testing.TestBundles;
import dev.flightdeck.daemon.tool.IssueRefund;
import dev.flightdeck.proto.v1.Approval;
import dev.flightdeck.proto.v1.ApprovalServiceGrpc;
import dev.flightdeck.proto.v1.DecideApprovalRequest;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ApprovalService over the in-process transport, against the real daemon wiring. */
class ApprovalServiceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private InProcessDaemon daemon;
    private DaemonClient client;

    @BeforeEach
    void start() {
        daemon = new InProcessDaemon(dir);
        client = daemon.client();
        client.pushBundle(TestBundles.refundWithApproval());
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    /** Starts a refund-with-approval run and waits until it pauses; returns its pending approval. */
    private ApprovalInfo pausedRefund(String tenant) {
        String runId = client.startRun("refund-with-approval", "refund A-1001, it arrived damaged", tenant, "")
                .run().runId();
        Await.until("run " + runId + " to wait for approval", TIMEOUT,
                () -> client.getRun(runId).state() == RunState.WAITING_APPROVAL);
        List<ApprovalInfo> pending = client.listApprovals(new ApprovalFilter(ApprovalState.PENDING, runId, ""), 0, "")
                .items();
        assertThat(pending).hasSize(1);
        return pending.get(0);
    }

    private List<String> ledger() throws IOException {
        Path file = dir.resolve(IssueRefund.LEDGER_FILE);
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static void assertRefused(Runnable call, String code, String messagePart) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(DaemonCallException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(messagePart);
        });
    }

    @Test
    void aPausedRunShowsOnePendingApprovalWithTheCallItsRunContextAndWhatGatedIt() throws IOException {
        ApprovalInfo a = pausedRefund("acme");

        assertThat(a.toolName()).isEqualTo("issue_refund");
        assertThat(a.argumentsJson()).contains("\"amount_usd\":89.99").contains("A-1001");
        assertThat(a.kind()).isEqualTo(ApprovalKind.GATED_TOOL_CALL);
        assertThat(a.state()).isEqualTo(ApprovalState.PENDING);
        assertThat(a.policy()).isEqualTo("ask");
        assertThat(a.reason()).isEqualTo("bundle policy for tool \"issue_refund\": ask");
        assertThat(a.tenant()).isEqualTo("acme");
        assertThat(a.bundleName()).isEqualTo("refund-with-approval");
        assertThat(a.step()).isEqualTo(2);
        assertThat(a.parametersJson()).contains("amount_usd");
        assertThat(a.createdAt()).isNotNull();
        assertThat(a.decision()).isNull();
        assertThat(ledger()).as("nothing executes before a decision").isEmpty();
        assertThat(client.getRun(a.runId()).statusMessage()).contains("issue_refund");
    }

    @Test
    void approvingExecutesTheToolExactlyOnceRecordsTheReviewerAndTheRunSucceeds() throws IOException {
        ApprovalInfo a = pausedRefund("");

        ApprovalInfo decided = client.decideApproval(DecideApproval.approve(a.approvalId(), "looks right", "ann"));

        assertThat(decided.state()).isEqualTo(ApprovalState.DECIDED);
        assertThat(decided.decision()).isEqualTo(ApprovalDecision.APPROVE);
        assertThat(decided.reviewer()).isEqualTo("ann");
        assertThat(decided.decidedAt()).isNotNull();
        List<RunEventInfo> events = daemon.watchToEnd(a.runId(), 0, TIMEOUT);
        assertThat(client.getRun(a.runId()).state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(ledger()).hasSize(1);
        assertThat(ledger().get(0)).contains("\"order_id\":\"A-1001\"").contains("89.99");
        RunEventInfo decidedEvent = events.stream().filter(e -> e.type().equals("approval_decided")).findFirst()
                .orElseThrow();
        assertThat(decidedEvent.detailsJson()).contains("\"reviewer\" : \"ann\"").contains("APPROVAL_DECISION_APPROVE");
        assertThat(decidedEvent.canonicalJson()).contains("\"reviewer\":\"ann\"");
        assertThat(events.stream().filter(e -> e.type().equals("tool_call_started"))
                .filter(e -> e.detailsJson().contains("issue_refund"))).hasSize(1);
        assertThat(client.listApprovals(new ApprovalFilter(ApprovalState.DECIDED, a.runId(), ""), 0, "").items())
                .singleElement().satisfies(x -> assertThat(x.reviewer()).isEqualTo("ann"));
    }

    @Test
    void approvingWithEditsExecutesTheToolWithTheEditedArguments() throws IOException {
        ApprovalInfo a = pausedRefund("");
        String edited = "{\"order_id\":\"A-1001\",\"amount_usd\":45.5,\"reason\":\"partial: box only\"}";

        client.decideApproval(DecideApproval.approveWithEdits(a.approvalId(), edited, "half is fair", "ann"));

        List<RunEventInfo> events = daemon.watchToEnd(a.runId(), 0, TIMEOUT);
        assertThat(client.getRun(a.runId()).state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(ledger()).singleElement().satisfies(line -> assertThat(line).contains("45.5").doesNotContain("89.99"));
        assertThat(events.stream().filter(e -> e.type().equals("tool_call_started"))
                .filter(e -> e.detailsJson().contains("issue_refund")).findFirst().orElseThrow().detailsJson())
                .contains("45.5");
    }

    @Test
    void rejectingNeverExecutesTheToolAndTheModelIsToldWhyAndTheRunContinues() throws IOException {
        ApprovalInfo a = pausedRefund("");

        client.decideApproval(DecideApproval.reject(a.approvalId(), "already refunded last week", "ann"));

        List<RunEventInfo> events = daemon.watchToEnd(a.runId(), 0, TIMEOUT);
        assertThat(client.getRun(a.runId()).state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(ledger()).isEmpty();
        assertThat(events.stream().filter(e -> e.type().equals("tool_call_started"))
                .filter(e -> e.detailsJson().contains("issue_refund"))).isEmpty();
        RunEventInfo result = events.stream().filter(e -> e.type().equals("tool_call_finished"))
                .filter(e -> e.detailsJson().contains("issue_refund")).findFirst().orElseThrow();
        assertThat(result.detailsJson()).contains("rejected by ann: already refunded last week").contains("\"is_error\" : true");
        RunEventInfo nextRequest = events.stream().filter(e -> e.type().equals("model_requested"))
                .filter(e -> e.sequence() > result.sequence()).findFirst().orElseThrow();
        assertThat(nextRequest.detailsJson()).contains("already refunded last week");
    }

    @Test
    void aSecondDifferentDecisionIsRefusedNamingTheFirstAndWhoMadeIt() {
        ApprovalInfo a = pausedRefund("");
        client.decideApproval(DecideApproval.approve(a.approvalId(), "", "ann"));

        assertRefused(() -> client.decideApproval(DecideApproval.reject(a.approvalId(), "no", "bob")),
                "FAILED_PRECONDITION", "already decided: APPROVE by ann");
        daemon.watchToEnd(a.runId(), 0, TIMEOUT);
    }

    @Test
    void repeatingTheSameRequestIdOrTheSameDecisionReturnsTheFirstResultAndExecutesOnce() throws IOException {
        ApprovalInfo a = pausedRefund("");
        DecideApproval approve = DecideApproval.approve(a.approvalId(), "ok", "ann").withRequestId("req-1");

        ApprovalInfo first = client.decideApproval(approve);
        ApprovalInfo again = client.decideApproval(approve);
        ApprovalInfo sameContent = client.decideApproval(approve.withRequestId("req-2"));
        ApprovalInfo sameIdOtherContent = client.decideApproval(
                DecideApproval.reject(a.approvalId(), "changed my mind", "bob").withRequestId("req-1"));

        assertThat(again).isEqualTo(first);
        assertThat(sameContent).isEqualTo(first);
        assertThat(sameIdOtherContent).isEqualTo(first);
        daemon.watchToEnd(a.runId(), 0, TIMEOUT);
        assertThat(ledger()).hasSize(1);
        assertThat(client.getRunHistory(a.runId(), 0, 0).stream().filter(e -> e.type().equals("approval_decided")))
                .hasSize(1);
    }

    @Test
    void badDecisionsAreRefusedNamingTheFieldAndChangeNothing() throws IOException {
        ApprovalInfo a = pausedRefund("");
        String id = a.approvalId();

        assertRefused(() -> client.decideApproval(DecideApproval.approve("apr_nope", "", "ann")), "NOT_FOUND",
                "approval_id: unknown approval \"apr_nope\"");
        assertRefused(() -> client.decideApproval(DecideApproval.retry(id, "", "ann")), "INVALID_ARGUMENT",
                "decision: RETRY does not answer a gated tool call approval; use one of APPROVE, APPROVE_WITH_EDITS, REJECT");
        assertRefused(() -> client.decideApproval(new DecideApproval(id, null, "", "", "", "ann", "")),
                "INVALID_ARGUMENT", "decision: required");
        assertRefused(() -> client.decideApproval(DecideApproval.reject(id, " ", "ann")), "INVALID_ARGUMENT",
                "reason: required for REJECT");
        assertRefused(() -> client.decideApproval(DecideApproval.approve(id, "", "")), "INVALID_ARGUMENT",
                "reviewer: must name who decides");
        assertRefused(() -> client.decideApproval(DecideApproval.approveWithEdits(id,
                        "{\"order_id\":\"A-1001\",\"amount_usd\":900,\"reason\":\"x\"}", "", "ann")),
                "INVALID_ARGUMENT", "edited_arguments_json.amount_usd:");
        assertRefused(() -> client.decideApproval(DecideApproval.approveWithEdits(id,
                        "{\"order_id\":\"A-1001\",\"reason\":\"x\"}", "", "ann")),
                "INVALID_ARGUMENT", "amount_usd");
        assertRefused(() -> client.decideApproval(DecideApproval.approveWithEdits(id, "{\"order_id\": ", "", "ann")),
                "INVALID_ARGUMENT", "edited_arguments_json: not valid JSON at line 1, column");
        assertRefused(() -> client.decideApproval(DecideApproval.approveWithEdits(id, "[1]", "", "ann")),
                "INVALID_ARGUMENT", "edited_arguments_json: must be a JSON object");
        assertRefused(() -> client.decideApproval(new DecideApproval(id, ApprovalDecision.APPROVE, "{}", "", "", "ann", "")),
                "INVALID_ARGUMENT", "edited_arguments_json: only for APPROVE_WITH_EDITS");

        assertThat(client.listApprovals(ApprovalFilter.PENDING, 0, "").items()).extracting(ApprovalInfo::approvalId)
                .containsExactly(id);
        assertThat(client.getRun(a.runId()).state()).isEqualTo(RunState.WAITING_APPROVAL);
        assertThat(ledger()).isEmpty();
    }

    @Test
    void approvalsNeedTheToken() {
        ApprovalInfo a = pausedRefund("");
        DaemonClient wrong = daemon.clientWithToken("wrong-token");

        assertRefused(() -> wrong.listApprovals(ApprovalFilter.ALL, 0, ""), "UNAUTHENTICATED", "");
        assertRefused(() -> wrong.decideApproval(DecideApproval.approve(a.approvalId(), "", "mallory")),
                "UNAUTHENTICATED", "");
        assertThat(client.getRun(a.runId()).state()).isEqualTo(RunState.WAITING_APPROVAL);
    }

    @Test
    void listingIsPagedNewestFirstFilteredAndRefusesBadPaging() {
        ApprovalInfo first = pausedRefund("acme");
        ApprovalInfo second = pausedRefund("globex");

        Page<ApprovalInfo> page1 = client.listApprovals(ApprovalFilter.ALL, 1, "");
        Page<ApprovalInfo> page2 = client.listApprovals(ApprovalFilter.ALL, 1, page1.nextPageToken());

        assertThat(page1.items()).extracting(ApprovalInfo::approvalId).containsExactly(second.approvalId());
        assertThat(page2.items()).extracting(ApprovalInfo::approvalId).containsExactly(first.approvalId());
        assertThat(page2.nextPageToken()).isEmpty();
        assertThat(client.listApprovals(new ApprovalFilter(null, "", "acme"), 0, "").items())
                .extracting(ApprovalInfo::approvalId).containsExactly(first.approvalId());
        assertThat(client.listApprovals(new ApprovalFilter(ApprovalState.DECIDED, "", ""), 0, "").items()).isEmpty();

        assertRefused(() -> client.listApprovals(ApprovalFilter.ALL, 501, ""), "INVALID_ARGUMENT",
                "page_size: must be between 0 and 500, got 501");
        assertRefused(() -> client.listApprovals(ApprovalFilter.ALL, -1, ""), "INVALID_ARGUMENT", "page_size");
        assertRefused(() -> client.listApprovals(ApprovalFilter.ALL, 1, "garbage!"), "INVALID_ARGUMENT",
                "page_token: not a token issued by ListApprovals");
        assertRefused(() -> client.listApprovals(ApprovalFilter.PENDING, 1, page1.nextPageToken()), "INVALID_ARGUMENT",
                "page_token: not a token issued by ListApprovals for these filters");
    }

    @Test
    void everyPendingApprovalIsReachableThroughPageTokensBeyondTheLargestPage() {
        int runs = 501; // one more than the largest page
        // Many runs in progress at once, so their commits share the disk's flushes.
        daemon.close();
        daemon = new InProcessDaemon(dev.flightdeck.daemon.app.DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test")
                .withRunWorkers(32).withMaxRunsPerTenant(32));
        client = daemon.client();
        List<String> runIds = new java.util.ArrayList<>();
        for (int i = 0; i < runs; i++) {
            runIds.add(client.startRun("refund-with-approval", "refund A-1001 #" + i, "tenant-" + i % 5, "").run().runId());
        }
        Await.until("every run to wait for approval", Duration.ofSeconds(180), () -> client.listRuns(
                new RunFilter(java.util.Set.of(RunState.QUEUED, RunState.RUNNING), "", ""), 1, "").items().isEmpty());

        Page<ApprovalInfo> first = client.listApprovals(ApprovalFilter.PENDING, 500, "");
        Page<ApprovalInfo> second = client.listApprovals(ApprovalFilter.PENDING, 500, first.nextPageToken());

        assertThat(first.items()).hasSize(500);
        assertThat(first.nextPageToken()).isNotEmpty();
        assertThat(second.items()).hasSize(runs - 500);
        assertThat(second.nextPageToken()).isEmpty();
        List<ApprovalInfo> all = new java.util.ArrayList<>(first.items());
        all.addAll(second.items());
        assertThat(all).extracting(ApprovalInfo::runId).containsExactlyInAnyOrderElementsOf(runIds);
        assertThat(client.listAllApprovals(ApprovalFilter.PENDING)).isEqualTo(all);
    }

    @Test
    void aTenantFilterWithSurroundingSpacesListsAndWatchesThatTenantsApprovals() throws Exception {
        List<ApprovalInfo> watched = new CopyOnWriteArrayList<>();
        try (Subscription ignored = client.watchApprovals(new ApprovalFilter(null, "", " acme "), new StreamListener<>() {
            @Override
            public void onItem(ApprovalInfo item) {
                watched.add(item);
            }
        })) {
            pausedRefund("globex");
            ApprovalInfo acme = pausedRefund("acme");

            Page<ApprovalInfo> spaced = client.listApprovals(new ApprovalFilter(ApprovalState.PENDING, "", "\tacme "), 0, "");

            assertThat(spaced.items()).extracting(ApprovalInfo::approvalId).containsExactly(acme.approvalId());
            Await.until("the watch to send acme's approval", TIMEOUT,
                    () -> watched.stream().anyMatch(a -> a.approvalId().equals(acme.approvalId())));
            assertThat(watched).allSatisfy(a -> assertThat(a.tenant()).isEqualTo("acme"));
        }
    }

    @Test
    void watchingApprovalsSendsNewAndDecidedApprovals() {
        List<ApprovalInfo> seen = new CopyOnWriteArrayList<>();
        try (Subscription ignored = client.watchApprovals(ApprovalFilter.ALL, new StreamListener<>() {
            @Override
            public void onItem(ApprovalInfo item) {
                seen.add(item);
            }
        })) {
            ApprovalInfo a = pausedRefund("");
            Await.until("the new approval to arrive", TIMEOUT,
                    () -> seen.stream().anyMatch(x -> x.approvalId().equals(a.approvalId()) && x.isPending()));

            client.decideApproval(DecideApproval.approve(a.approvalId(), "", "ann"));

            Await.until("the decision to arrive", TIMEOUT, () -> seen.stream()
                    .anyMatch(x -> x.approvalId().equals(a.approvalId()) && x.state() == ApprovalState.DECIDED
                            && "ann".equals(x.reviewer())));
            daemon.watchToEnd(a.runId(), 0, TIMEOUT);
        }
    }

    @Test
    void cancellingAWaitingRunClosesItsApprovalWhichCanNoLongerBeDecided() throws IOException {
        ApprovalInfo a = pausedRefund("");

        dev.flightdeck.client.RunInfo answered = client.cancelRun(a.runId(), "customer withdrew", "ann");

        assertThat(answered).as("CancelRun's answer: the run as committed cancelled")
                .isEqualTo(client.getRun(a.runId()));
        assertThat(answered.state()).isEqualTo(RunState.CANCELLED);
        assertThat(answered.statusMessage()).isEqualTo("cancelled by ann: customer withdrew");
        ApprovalInfo closed = client.listApprovals(new ApprovalFilter(null, a.runId(), ""), 0, "").items().get(0);
        assertThat(closed.state()).isEqualTo(ApprovalState.CLOSED);
        assertThat(closed.decisionReason()).contains("CANCELLED");
        assertRefused(() -> client.decideApproval(DecideApproval.approve(a.approvalId(), "", "ann")),
                "FAILED_PRECONDITION", "can no longer be decided");
        assertThat(ledger()).isEmpty();
    }

    @Test
    void aBurstOfConcurrentDecisionsAndCancelsMoreThanTheRpcThreadsAllCompleteWithOneEffectEach() throws Exception {
        ApprovalInfo decided = pausedRefund("");
        ApprovalInfo cancelled = pausedRefund("");
        ExecutorService callers = Executors.newFixedThreadPool(60); // far more calls at once than the 8 rpc threads
        try {
            List<Future<ApprovalInfo>> decisions = new java.util.ArrayList<>();
            List<Future<dev.flightdeck.client.RunInfo>> cancels = new java.util.ArrayList<>();
            for (int i = 0; i < 60; i++) {
                if (i % 3 == 2) {
                    cancels.add(callers.submit(() -> client.cancelRun(cancelled.runId(), "customer withdrew", "ann")));
                } else {
                    String requestId = "req-" + i;
                    decisions.add(callers.submit(() -> client.decideApproval(
                            DecideApproval.approve(decided.approvalId(), "ok", "ann").withRequestId(requestId))));
                }
            }
            ApprovalInfo first = decisions.get(0).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(first.state()).isEqualTo(ApprovalState.DECIDED);
            for (Future<ApprovalInfo> d : decisions) {
                assertThat(d.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(first);
            }
            for (Future<dev.flightdeck.client.RunInfo> c : cancels) {
                assertThat(c.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).state()).isEqualTo(RunState.CANCELLED);
            }
        } finally {
            callers.shutdownNow();
        }
        daemon.watchToEnd(decided.runId(), 0, TIMEOUT);
        assertThat(ledger()).as("the approved refund, issued once").hasSize(1);
        assertThat(client.getRunHistory(decided.runId(), 0, 0).stream()
                .filter(e -> e.type().equals("approval_decided"))).hasSize(1);
        assertThat(client.getRunHistory(cancelled.runId(), 0, 0).stream()
                .filter(e -> e.type().equals("cancel_requested"))).hasSize(1);
    }

    /** Nothing was decided or cancelled: the run still waits, its approval is pending, the refund not issued. */
    private void assertUntouched(ApprovalInfo a) throws IOException {
        assertThat(client.listApprovals(new ApprovalFilter(ApprovalState.PENDING, a.runId(), ""), 0, "").items())
                .singleElement().satisfies(p -> assertThat(p.approvalId()).isEqualTo(a.approvalId()));
        assertThat(client.getRun(a.runId()).state()).isEqualTo(RunState.WAITING_APPROVAL);
        assertThat(client.getRunHistory(a.runId(), 0, 0)).extracting(RunEventInfo::type)
                .doesNotContain("approval_decided", "cancel_requested");
        assertThat(ledger()).isEmpty();
    }

    @Test
    void aDecisionKeptFromItsRunUntilNearTheCallersDeadlineIsRefusedAsBusyBeforeItAndNeverApplied() throws IOException {
        ApprovalInfo a = pausedRefund("");

        try (RunHold ignored = RunHold.of(daemon.assembly().scheduler(), a.runId())) {
            assertRefused(() -> client.withDeadline(Duration.ofMillis(800))
                            .decideApproval(DecideApproval.approve(a.approvalId(), "ok", "ann")),
                    "FAILED_PRECONDITION", "run " + a.runId() + " is busy; try again");
        }

        assertUntouched(a);
        assertThat(client.decideApproval(DecideApproval.approve(a.approvalId(), "ok", "ann")).state())
                .as("the same call again, once the run is free").isEqualTo(ApprovalState.DECIDED);
    }

    @Test
    void aCancelRunKeptFromItsRunUntilNearTheCallersDeadlineIsRefusedAsBusyBeforeItAndNeverApplied() throws IOException {
        ApprovalInfo a = pausedRefund("");

        try (RunHold ignored = RunHold.of(daemon.assembly().scheduler(), a.runId())) {
            assertRefused(() -> client.withDeadline(Duration.ofMillis(800)).cancelRun(a.runId(), "not needed", "ann"),
                    "FAILED_PRECONDITION", "run " + a.runId() + " is busy; try again");
        }

        assertUntouched(a);
    }

    /**
     * Holds {@code runId} with a write applied on a thread of its own (as a caller's write to a
     * free run is) until {@code release} completes. The future completes once that write is
     * answered and the run let go.
     */
    private static CompletableFuture<Object> holdUntil(RunScheduler scheduler, String runId,
                                                       CompletableFuture<Void> release) throws Exception {
        CompletableFuture<Void> holding = new CompletableFuture<>();
        CompletableFuture<Object> letGo = CompletableFuture.supplyAsync(() -> scheduler.whenHeld(runId, () -> {
            holding.complete(null);
            return (Object) release.join();
        }).join());
        holding.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return letGo;
    }

    @Test
    void afterTheDrainWritesToAHeldRunAreRefusedUnavailableChangingNothingWhileWritesBeingAppliedFinishAndAreAnswered()
            throws Exception {
        ApprovalInfo a = pausedRefund("");
        RunScheduler scheduler = daemon.assembly().scheduler();
        CompletableFuture<Void> releaseHold = new CompletableFuture<>();
        CompletableFuture<Void> releaseWrite = new CompletableFuture<>();
        try {
            CompletableFuture<Object> held = holdUntil(scheduler, a.runId(), releaseHold);
            // Another run's write, queued behind a hold and then applied on a write thread, still
            // in progress when the drain begins.
            CompletableFuture<Void> releaseOther = new CompletableFuture<>();
            holdUntil(scheduler, "run-being-written", releaseOther);
            CompletableFuture<String> applying = new CompletableFuture<>();
            CompletableFuture<String> beingApplied = scheduler.whenHeld("run-being-written", () -> {
                applying.complete(Thread.currentThread().getName());
                releaseWrite.join();
                return "applied";
            });
            releaseOther.complete(null);
            assertThat(applying.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).startsWith("run-writes-");

            CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> scheduler.drain(Duration.ofSeconds(1)));
            assertThatThrownBy(() -> drained.get(500, TimeUnit.MILLISECONDS))
                    .as("the drain waits for the write being applied").isInstanceOf(TimeoutException.class);
            releaseWrite.complete(null);
            assertThat(beingApplied.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("applied");
            drained.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            // The run is still held (by the write applied on its caller's thread): nothing may queue on it now.
            String refusal = "the daemon is stopping; run " + a.runId() + " was busy and nothing was changed";
            assertRefused(() -> client.decideApproval(DecideApproval.approve(a.approvalId(), "ok", "ann")),
                    "UNAVAILABLE", refusal);
            assertRefused(() -> client.cancelRun(a.runId(), "not needed", "ann"), "UNAVAILABLE", refusal);
            assertThat(scheduler.queuedWrites()).isZero();
            releaseHold.complete(null);
            assertThat(held.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the holding write, answered").isNull();
        } finally {
            releaseHold.complete(null);
            releaseWrite.complete(null);
        }

        assertUntouched(a);
    }

    @Test
    void aDecisionWhoseCallerCancelsWhileItWaitsForItsRunIsWithdrawnAndNeverApplied() throws IOException {
        ApprovalInfo a = pausedRefund("");
        RunScheduler scheduler = daemon.assembly().scheduler();
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + InProcessDaemon.TOKEN);
        ApprovalServiceGrpc.ApprovalServiceStub approvals = ApprovalServiceGrpc.newStub(daemon.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        CompletableFuture<Approval> answer = new CompletableFuture<>();

        try (RunHold ignored = RunHold.of(scheduler, a.runId())) {
            Context.CancellableContext call = Context.current().withCancellation();
            call.run(() -> approvals.decideApproval(DecideApprovalRequest.newBuilder().setApprovalId(a.approvalId())
                    .setDecision(dev.flightdeck.proto.v1.ApprovalDecision.APPROVAL_DECISION_APPROVE)
                    .setReviewer("ann").build(), Answers.into(answer)));
            Await.until("the decision to wait for its run", TIMEOUT, () -> scheduler.queuedWrites() == 1);

            call.cancel(null);

            assertThatThrownBy(() -> answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
            // Well before the 10 s hold wait would refuse it anyway.
            Await.until("the daemon to withdraw the decision", Duration.ofSeconds(5),
                    () -> scheduler.queuedWrites() == 0);
        }

        assertUntouched(a);
    }
}
