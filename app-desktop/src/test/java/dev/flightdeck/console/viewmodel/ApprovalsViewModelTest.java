package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.ApprovalState;
import dev.flightdeck.console.concurrent.InlineUiExecutor;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.testing.MutableClock;
import dev.flightdeck.proto.v1.ApprovalDecision;
import dev.flightdeck.proto.v1.RunStatus;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ApprovalsViewModelTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    private FakeDaemon daemon;
    private final InlineUiExecutor ui = new InlineUiExecutor();
    private final MutableClock clock = new MutableClock(T0.plusSeconds(90));
    private ConsoleViewModel console;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new FakeDaemon();
        daemon.putRun(FakeDaemon.run("run-1", RunStatus.RUN_STATUS_WAITING_APPROVAL, T0, 6));
        console = new ConsoleViewModel(ui, daemon.locator(), UserPrompts.answering(false), clock,
                Duration.ofSeconds(10), false);
    }

    @AfterEach
    void tearDown() {
        console.close();
        daemon.close();
    }

    private ApprovalsViewModel approvals() {
        return console.approvals();
    }

    @Test
    void listsPendingApprovalsOldestFirstWithABadgeCountAndFollowsNewOnes() {
        daemon.updateApproval(FakeDaemon.approval("apr-2", "run-1", T0.plusSeconds(20)));
        daemon.updateApproval(FakeDaemon.approval("apr-1", "run-1", T0));
        console.start(false);

        assertThat(approvals().pending()).extracting(ApprovalInfo::approvalId).containsExactly("apr-1", "apr-2");
        assertThat(approvals().pendingCountProperty().get()).isEqualTo(2);

        daemon.updateApproval(FakeDaemon.approval("apr-3", "run-1", T0.plusSeconds(40)));

        assertThat(approvals().pendingCountProperty().get()).isEqualTo(3);
        assertThat(daemon.openApprovalWatchers()).isEqualTo(1);
    }

    @Test
    void everyPendingApprovalIsListedEvenBeyondOnePageOfTheDaemon() {
        int many = ApprovalsViewModel.LIST_LIMIT * 2 + 1;
        for (int i = 0; i < many; i++) {
            daemon.updateApproval(FakeDaemon.approval(String.format("apr-%04d", i), "run-1", T0.plusSeconds(i)));
        }
        console.start(false);

        assertThat(approvals().pendingCountProperty().get()).isEqualTo(many);
        assertThat(approvals().pending()).hasSize(many);
        assertThat(approvals().pending().get(0).approvalId()).as("the oldest, from the last page").isEqualTo("apr-0000");
        assertThat(approvals().selectedProperty().get().approvalId()).isEqualTo("apr-0000");
        assertThat(daemon.listApprovalPages.get()).as("three pages of pending, one of all").isEqualTo(4);
    }

    @Test
    void selectingAnApprovalShowsItsFormattedArgumentsAndItsRun() {
        daemon.updateApproval(FakeDaemon.approval("apr-1", "run-1", T0));
        console.start(false);

        approvals().selectedProperty().set(approvals().pending().get(0));

        assertThat(approvals().argumentsTextProperty().get()).contains("\"amount_usd\" : 89.99").contains("\n");
        assertThat(approvals().editedArgumentsProperty().get()).contains("A-1001");
        assertThat(approvals().selectedRunProperty().get().runId()).isEqualTo("run-1");
    }

    @Test
    void anApprovalWhoseRunCannotBeReadSaysWhyItsContextIsMissing() {
        daemon.updateApproval(FakeDaemon.approval("apr-9", "run-gone", T0));
        console.start(false);

        approvals().selectedProperty().set(approvals().pending().get(0));

        assertThat(approvals().selectedRunProperty().get()).isNull();
        assertThat(approvals().runContextProblemProperty().get())
                .startsWith("run details unavailable: ").contains("run-gone");
    }

    @Test
    void approvingSendsTheReviewerAndMovesTheApprovalToDecided() {
        daemon.updateApproval(FakeDaemon.approval("apr-1", "run-1", T0));
        console.start(false);
        approvals().selectedProperty().set(approvals().pending().get(0));
        approvals().reviewerProperty().set("ann");

        approvals().approve();

        assertThat(daemon.decisions).singleElement().satisfies(d -> {
            assertThat(d.getDecision()).isEqualTo(ApprovalDecision.APPROVAL_DECISION_APPROVE);
            assertThat(d.getReviewer()).isEqualTo("ann");
            assertThat(d.getRequestId()).isNotEmpty();
        });
        assertThat(approvals().pending()).isEmpty();
        assertThat(approvals().pendingCountProperty().get()).isZero();
        assertThat(approvals().decided()).singleElement().satisfies(a -> {
            assertThat(a.state()).isEqualTo(ApprovalState.DECIDED);
            assertThat(a.reviewer()).isEqualTo("ann");
        });
        assertThat(approvals().selectedProperty().get().state()).isEqualTo(ApprovalState.DECIDED);
    }

    @Test
    void theReviewerDefaultsToTheOsUser() {
        assertThat(approvals().reviewerProperty().get()).isEqualTo(System.getProperty("user.name"));
    }

    @Test
    void approvingWithEditsSendsTheEditedArgumentsAndRefusesTextThatIsNotAJsonObject() {
        daemon.updateApproval(FakeDaemon.approval("apr-1", "run-1", T0));
        console.start(false);
        approvals().selectedProperty().set(approvals().pending().get(0));

        approvals().editedArgumentsProperty().set("{\"order_id\": \"A-1001\", \"amount_usd\": ");
        approvals().approveWithEdits();

        assertThat(approvals().decisionErrorProperty().get()).startsWith("Edited arguments: not valid JSON at line 1");
        assertThat(daemon.decisions).isEmpty();

        approvals().editedArgumentsProperty().set("{\"order_id\": \"A-1001\", \"amount_usd\": 40}");
        approvals().approveWithEdits();

        assertThat(daemon.decisions).singleElement().satisfies(d -> {
            assertThat(d.getDecision()).isEqualTo(ApprovalDecision.APPROVAL_DECISION_APPROVE_WITH_EDITS);
            assertThat(d.getEditedArgumentsJson()).contains("40");
        });
        assertThat(approvals().decisionErrorProperty().get()).isEmpty();
    }

    @Test
    void rejectingNeedsAReasonAndSendsIt() {
        daemon.updateApproval(FakeDaemon.approval("apr-1", "run-1", T0));
        console.start(false);
        approvals().selectedProperty().set(approvals().pending().get(0));

        approvals().reject();
        assertThat(approvals().decisionErrorProperty().get()).contains("reason is required");
        assertThat(daemon.decisions).isEmpty();

        approvals().reasonProperty().set("duplicate refund");
        approvals().reject();

        assertThat(daemon.decisions).singleElement().satisfies(d -> {
            assertThat(d.getDecision()).isEqualTo(ApprovalDecision.APPROVAL_DECISION_REJECT);
            assertThat(d.getReason()).isEqualTo("duplicate refund");
        });
    }

    @Test
    void theDaemonsRefusalShowsInTheScreenAndTheApprovalStaysPending() {
        daemon.updateApproval(FakeDaemon.approval("apr-1", "run-1", T0));
        console.start(false);
        approvals().selectedProperty().set(approvals().pending().get(0));
        daemon.failDecide = Status.INVALID_ARGUMENT
                .withDescription("edited_arguments_json.amount_usd: must have a maximum value of 500");

        approvals().approveWithEdits();

        assertThat(approvals().decisionErrorProperty().get())
                .contains("edited_arguments_json.amount_usd: must have a maximum value of 500");
        assertThat(approvals().pending()).hasSize(1);
        assertThat(approvals().busyProperty().get()).isFalse();
    }

    @Test
    void theRunScreensShortcutSelectsThatRunsPendingApproval() {
        daemon.updateApproval(FakeDaemon.approval("apr-1", "run-1", T0));
        daemon.updateApproval(FakeDaemon.approval("apr-9", "run-9", T0));
        console.start(false);
        int before = console.approvalsRequestsProperty().get();

        console.reviewApprovalOf("run-9");

        assertThat(approvals().selectedProperty().get().approvalId()).isEqualTo("apr-9");
        assertThat(console.approvalsRequestsProperty().get()).isEqualTo(before + 1);
    }

    @Test
    void aBrokenStreamIsFollowedAgainAfterTheReconnect() {
        console.start(false);
        daemon.breakStreams();
        daemon.updateApproval(FakeDaemon.approval("apr-1", "run-1", T0)); // while it was away
        ui.runScheduled();
        daemon.updateApproval(FakeDaemon.approval("apr-2", "run-1", T0.plusSeconds(1)));

        assertThat(approvals().pending()).extracting(ApprovalInfo::approvalId).containsExactly("apr-1", "apr-2");
        assertThat(daemon.openApprovalWatchers()).isEqualTo(1);
    }
}
