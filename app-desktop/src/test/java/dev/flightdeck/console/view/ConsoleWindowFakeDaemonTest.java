package dev.flightdeck.console.view;

import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.testing.FakeDaemonConsole;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.RunRow;
import dev.flightdeck.proto.v1.RunStatus;
import javafx.scene.control.ListView;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The screens against the in-process test double (fast; the real-daemon test is ConsoleScreensTest). */
@ExtendWith(ApplicationExtension.class)
class ConsoleWindowFakeDaemonTest {
    private FakeDaemon daemon;
    private FakeDaemonConsole window;
    private ConsoleViewModel console;

    @Start
    void start(Stage stage) throws Exception {
        daemon = new FakeDaemon();
        daemon.putRun(FakeDaemon.run("run-older", RunStatus.RUN_STATUS_SUCCEEDED, Instant.now().minusSeconds(60), 3));
        daemon.putRun(FakeDaemon.run("run-newer", RunStatus.RUN_STATUS_RUNNING, Instant.now().minusSeconds(5), 2));
        daemon.appendEvent(FakeDaemon.event("run-newer", 1));
        daemon.appendEvent(FakeDaemon.event("run-newer", 2));
        daemon.addBundle("support-refund");
        window = FakeDaemonConsole.open(stage, daemon);
        console = window.console();
    }

    @AfterEach
    void tearDown() {
        window.close();
    }

    @Test
    void runsScreenListsRunsNewestFirstAndRunScreenFollowsEvents(FxRobot robot) throws Exception {
        TableView<RunRow> table = robot.lookup("#runsTable").queryTableView();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> table.getItems().size() == 2);
        assertThat(table.getItems().get(0).runId()).isEqualTo("run-newer");
        assertThat(robot.lookup("#connectionStatus").queryLabeled().getText())
                .isEqualTo("Connected to flightdeckd 0.1.0-test on port 7001");

        robot.doubleClickOn(robot.lookup(".table-row-cell").nth(0).queryAs(javafx.scene.Node.class));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> robot.lookup("#timeline").tryQuery().isPresent());
        ListView<RunEventInfo> timeline = robot.lookup("#timeline").queryListView();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> timeline.getItems().size() == 2);

        daemon.appendEvent(FakeDaemon.event("run-newer", 3));
        daemon.appendEvent(FakeDaemon.finished("run-newer", 4));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> timeline.getItems().size() == 4);

        robot.clickOn(robot.lookup(".timeline-cell").nth(1).queryAs(javafx.scene.Node.class));
        TextArea json = robot.lookup("#detailsJson").queryAs(TextArea.class);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> json.getText().contains("lookup_order"));
        assertThat(robot.lookup("#detailsHash").queryLabeled().getText()).isEqualTo("hash-2");
    }

    @Test
    void newRunDialogStartsARunAndOpensItsScreen(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS,
                () -> !robot.lookup("#newRunButton").queryButton().isDisabled());
        robot.clickOn("#newRunButton");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> robot.lookup("#runInputField").tryQuery().isPresent());
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS,
                () -> robot.lookup("#bundleChoice").queryComboBox().getValue() != null);
        robot.clickOn("#runInputField").write("Where is my order?");
        robot.clickOn("#tenantField").write("globex");
        robot.clickOn("Start run");

        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> console.openRuns().size() == 1);
        var run = console.selectedRunProperty().get();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> run.getRun() != null);
        assertThat(run.getRun().input()).isEqualTo("Where is my order?");
        assertThat(run.getRun().tenant()).isEqualTo("globex");
        assertThat(robot.lookup("#runTitle").queryLabeled().getText()).startsWith("support-refund");
    }

    @Test
    void aPausedRunsReviewShortcutOpensTheApprovalsTabOnItsApproval(FxRobot robot) throws Exception {
        daemon.updateRun(FakeDaemon.run("run-paused", RunStatus.RUN_STATUS_WAITING_APPROVAL, Instant.now(), 6)
                .toBuilder().setStatusMessage("waiting for approval of issue_refund").build());
        daemon.updateApproval(FakeDaemon.approval("apr-paused", "run-paused", Instant.now()));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS,
                () -> robot.lookup("#approvalsBadge").queryLabeled().getText().equals("1"));
        robot.interact(() -> console.openRun("run-paused"));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> robot.lookup("#reviewApprovalButton")
                .tryQuery().map(javafx.scene.Node::isVisible).orElse(false));
        assertThat(robot.lookup("#approvalBannerText").queryLabeled().getText())
                .contains("waiting for approval of issue_refund");

        robot.clickOn("#reviewApprovalButton");

        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS,
                () -> robot.lookup("#approvalTool").tryQuery().map(javafx.scene.Node::isVisible).orElse(false));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> "approvalsTab".equals(robot.lookup("#tabs")
                .queryAs(javafx.scene.control.TabPane.class).getSelectionModel().getSelectedItem().getId()));
        assertThat(console.approvals().selectedProperty().get().approvalId()).isEqualTo("apr-paused");
        assertThat(robot.lookup("#approvalTool").queryLabeled().getText()).isEqualTo("issue_refund");
        assertThat(robot.lookup("#approvalArguments").queryAs(TextArea.class).getText()).contains("\"amount_usd\" : 89.99");
    }
}
