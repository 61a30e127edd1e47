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

import java.time.Instant;

import static dev.flightdeck.console.testing.FxWait.onFx;
import static dev.flightdeck.console.testing.FxWait.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The screens against the in-process test double (fast; the real-daemon test is ConsoleScreensTest).
 * The scene graph is read on the FX thread only, and waited for with a deadline.
 */
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
        until(() -> table.getItems().size() == 2);
        assertThat(onFx(() -> table.getItems().get(0).runId())).isEqualTo("run-newer");
        assertThat(onFx(() -> robot.lookup("#connectionStatus").queryLabeled().getText()))
                .isEqualTo("Connected to flightdeckd 0.1.0-test on port 7001");

        robot.doubleClickOn(robot.lookup(".table-row-cell").nth(0).queryAs(javafx.scene.Node.class));
        until(() -> robot.lookup("#timeline").tryQuery().isPresent());
        ListView<RunEventInfo> timeline = onFx(() -> robot.lookup("#timeline").queryListView());
        until(() -> timeline.getItems().size() == 2);

        daemon.appendEvent(FakeDaemon.event("run-newer", 3));
        daemon.appendEvent(FakeDaemon.finished("run-newer", 4));
        until(() -> timeline.getItems().size() == 4);

        robot.clickOn(robot.lookup(".timeline-cell").nth(1).queryAs(javafx.scene.Node.class));
        TextArea json = onFx(() -> robot.lookup("#detailsJson").queryAs(TextArea.class));
        until(() -> json.getText().contains("lookup_order"));
        assertThat(onFx(() -> robot.lookup("#detailsHash").queryLabeled().getText())).isEqualTo("hash-2");
    }

    @Test
    void newRunDialogStartsARunAndOpensItsScreen(FxRobot robot) throws Exception {
        until(() -> !robot.lookup("#newRunButton").queryButton().isDisabled());
        robot.clickOn("#newRunButton");
        until(() -> robot.lookup("#runInputField").tryQuery().isPresent());
        until(() -> robot.lookup("#bundleChoice").queryComboBox().getValue() != null);
        robot.clickOn("#runInputField").write("Where is my order?");
        robot.clickOn("#tenantField").write("globex");
        robot.clickOn("Start run");

        until(() -> console.openRuns().size() == 1);
        var run = onFx(() -> console.selectedRunProperty().get());
        until(() -> run.getRun() != null);
        assertThat(onFx(() -> run.getRun().input())).isEqualTo("Where is my order?");
        assertThat(onFx(() -> run.getRun().tenant())).isEqualTo("globex");
        assertThat(onFx(() -> robot.lookup("#runTitle").queryLabeled().getText())).startsWith("support-refund");
    }

    @Test
    void aPausedRunsReviewShortcutOpensTheApprovalsTabOnItsApproval(FxRobot robot) throws Exception {
        daemon.updateRun(FakeDaemon.run("run-paused", RunStatus.RUN_STATUS_WAITING_APPROVAL, Instant.now(), 6)
                .toBuilder().setStatusMessage("waiting for approval of issue_refund").build());
        daemon.updateApproval(FakeDaemon.approval("apr-paused", "run-paused", Instant.now()));
        until(() -> robot.lookup("#approvalsBadge").queryLabeled().getText().equals("1"));
        robot.interact(() -> console.openRun("run-paused"));
        until(() -> robot.lookup("#reviewApprovalButton").tryQuery().map(javafx.scene.Node::isVisible).orElse(false));
        assertThat(onFx(() -> robot.lookup("#approvalBannerText").queryLabeled().getText()))
                .contains("waiting for approval of issue_refund");

        robot.clickOn("#reviewApprovalButton");

        until(() -> robot.lookup("#approvalTool").tryQuery().map(javafx.scene.Node::isVisible).orElse(false));
        until(() -> "approvalsTab".equals(robot.lookup("#tabs")
                .queryAs(javafx.scene.control.TabPane.class).getSelectionModel().getSelectedItem().getId()));
        assertThat(onFx(() -> console.approvals().selectedProperty().get().approvalId())).isEqualTo("apr-paused");
        assertThat(onFx(() -> robot.lookup("#approvalTool").queryLabeled().getText())).isEqualTo("issue_refund");
        assertThat(onFx(() -> robot.lookup("#approvalArguments").queryAs(TextArea.class).getText()))
                .contains("\"amount_usd\" : 89.99");
    }
}
