package dev.flightdeck.console.view;

import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.DaemonProcess;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.console.ConsoleApp;
import dev.flightdeck.console.ConsoleOptions;
import dev.flightdeck.console.viewmodel.RunRow;
import javafx.scene.Node;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.framework.junit5.Stop;
import org.testfx.util.WaitForAsyncUtils;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The screens against a REAL daemon process (started from the test class path on a temp data
 * dir), headless through Monocle: the Runs screen lists a run the daemon runs until it succeeds,
 * and its Run screen shows the events and the details of a tool call.
 */
@ExtendWith(ApplicationExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleScreensTest {
    private static final String INPUT = "Hi, order A-1001 arrived damaged, can I get a refund?";

    private static Path dataDir;
    private static DaemonEndpoint endpoint;
    private ConsoleApp.Assembly assembly;

    @BeforeAll
    static void startDaemon() throws IOException {
        dataDir = Files.createTempDirectory("flightdeck-console-it");
        endpoint = DaemonProcess.ensureRunning(dataDir, Duration.ofSeconds(60));
        try (DaemonClient client = DaemonClient.connect(endpoint);
             InputStream yaml = ConsoleScreensTest.class.getClassLoader()
                     .getResourceAsStream("dev/flightdeck/daemon/bundle/demo/support-refund.yaml")) {
            // A fresh daemon installs the demo bundle itself; pushing identical content changes nothing.
            client.pushBundle(new String(yaml.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void killDaemon() throws Exception {
        if (endpoint == null) {
            return;
        }
        var process = ProcessHandle.of(endpoint.pid());
        if (process.isPresent()) {
            process.get().destroy();
            try {
                process.get().onExit().get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                process.get().destroyForcibly();
            }
        }
    }

    @Start
    void start(Stage stage) {
        assembly = ConsoleApp.Assembly.open(stage, new ConsoleOptions(dataDir, false, false));
    }

    @Stop
    void stop() {
        assembly.close();
    }

    private static RunInfo startRun() {
        try (DaemonClient client = DaemonClient.connect(endpoint)) {
            return client.startRun("support-refund", INPUT, "acme", null).run();
        }
    }

    /**
     * The first shown node matching {@code selector} and {@code predicate}, looked up afresh on the
     * FX thread until it appears (cells are laid out a pulse after the data changes).
     */
    /**
     * Waits until {@code condition} holds, evaluating it on the FX thread: the scene graph and
     * the views' observable lists may only be read there, or a poll can race a pending update.
     */
    private static void waitOnFx(long timeout, TimeUnit unit, java.util.concurrent.Callable<Boolean> condition)
            throws java.util.concurrent.TimeoutException {
        WaitForAsyncUtils.waitFor(timeout, unit, () -> WaitForAsyncUtils.asyncFx(condition).get());
    }

    private static <T extends Node> Node waitForNode(FxRobot robot, String selector, java.util.function.Predicate<T> predicate)
            throws java.util.concurrent.TimeoutException {
        Node[] found = new Node[1];
        WaitForAsyncUtils.waitFor(15, TimeUnit.SECONDS, () -> {
            found[0] = WaitForAsyncUtils.asyncFx(() -> robot.lookup(selector).<T>match(n -> predicate.test(n) && shown(n))
                    .tryQuery().orElse(null)).get();
            return found[0] != null;
        });
        return found[0];
    }

    /** Visible with all its parents (virtual flows keep an invisible measuring cell that must not be clicked). */
    private static boolean shown(Node node) {
        for (Node n = node; n != null; n = n.getParent()) {
            if (!n.isVisible()) {
                return false;
            }
        }
        return true;
    }

    private static RunRow rowOf(TableView<RunRow> table, String runId) {
        return table.getItems().stream().filter(r -> r.runId().equals(runId)).findFirst().orElse(null);
    }

    @Test
    @Order(1)
    void runsScreenListsARunTheDaemonRunsUntilItSucceeds(FxRobot robot) throws Exception {
        TableView<RunRow> table = robot.lookup("#runsTable").queryTableView();
        waitOnFx(20, TimeUnit.SECONDS,
                () -> robot.lookup("#connectionStatus").queryLabeled().getText().startsWith("Connected to flightdeckd"));

        RunInfo run = startRun();

        waitOnFx(20, TimeUnit.SECONDS, () -> rowOf(table, run.runId()) != null);
        waitOnFx(60, TimeUnit.SECONDS,
                () -> rowOf(table, run.runId()).getRun().state() == RunState.SUCCEEDED);
        RunRow row = rowOf(table, run.runId());
        assertThat(row.getRun().bundleName()).isEqualTo("support-refund");
        assertThat(row.getRun().stepCount()).isPositive();
        assertThat(table.getItems().get(0).runId()).isEqualTo(run.runId());
        // The badge on screen says so too.
        waitOnFx(10, TimeUnit.SECONDS, () -> robot.lookup(".badge-succeeded").tryQuery().isPresent());
    }

    @Test
    @Order(2)
    void runScreenShowsTheEventsAndTheDetailsOfAToolCall(FxRobot robot) throws Exception {
        TableView<RunRow> table = robot.lookup("#runsTable").queryTableView();
        RunInfo run = startRun();
        waitOnFx(20, TimeUnit.SECONDS, () -> rowOf(table, run.runId()) != null);

        Node row = waitForNode(robot, ".table-row-cell", (TableRow<RunRow> r) -> r.getItem() != null
                && r.getItem().runId().equals(run.runId()));
        robot.doubleClickOn(row);

        waitOnFx(10, TimeUnit.SECONDS, () -> robot.lookup("#timeline").tryQuery().isPresent());
        ListView<RunEventInfo> timeline = robot.lookup("#timeline").queryListView();
        waitOnFx(60, TimeUnit.SECONDS,
                () -> timeline.getItems().stream().anyMatch(e -> e.type().equals("run_finished")));
        assertThat(timeline.getItems()).extracting(RunEventInfo::sequence)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, timeline.getItems().size())
                        .boxed().toList());
        assertThat(timeline.getItems().get(0).type()).isEqualTo("run_started");
        waitOnFx(20, TimeUnit.SECONDS,
                () -> robot.lookup("#runStatus").queryLabeled().getText().equals("Succeeded"));

        // Scroll the tool call into view as a user would, then click its cell.
        int index = -1;
        for (int i = 0; i < timeline.getItems().size(); i++) {
            RunEventInfo e = timeline.getItems().get(i);
            if (e.type().equals("tool_call_started") && e.summary().contains("lookup_order")) {
                index = i;
                break;
            }
        }
        assertThat(index).as("a lookup_order tool call in the timeline").isNotNegative();
        int toolIndex = index;
        robot.interact(() -> timeline.scrollTo(toolIndex));
        Node toolCall = waitForNode(robot, ".timeline-cell", (ListCell<RunEventInfo> c) -> c.getIndex() == toolIndex
                && c.getItem() != null);
        robot.clickOn(toolCall);

        TextArea json = robot.lookup("#detailsJson").queryAs(TextArea.class);
        waitOnFx(10, TimeUnit.SECONDS, () -> json.getText().contains("lookup_order"));
        assertThat(json.getText()).startsWith("{")
                .as("tool arguments shown as formatted JSON, not an escaped string")
                .contains("\"order_id\" : \"A-1001\"").doesNotContain("arguments_json");
        assertThat(robot.lookup("#detailsHash").queryLabeled().getText()).isNotBlank().isNotEqualTo("—");
        assertThat(robot.lookup("#detailsTitle").queryLabeled().getText()).startsWith("Tool call started");
    }

    @Test
    @Order(3)
    void aReviewerApprovesAPausedRefundInTheApprovalsTabAndTheRunSucceeds(FxRobot robot) throws Exception {
        TableView<RunRow> table = robot.lookup("#runsTable").queryTableView();
        RunInfo run;
        try (DaemonClient client = DaemonClient.connect(endpoint)) {
            run = client.startRun("refund-with-approval", INPUT, "acme", null).run();
        }
        waitOnFx(30, TimeUnit.SECONDS, () -> rowOf(table, run.runId()) != null
                && rowOf(table, run.runId()).getRun().state() == RunState.WAITING_APPROVAL);
        waitOnFx(10, TimeUnit.SECONDS,
                () -> robot.lookup("#approvalsBadge").queryLabeled().isVisible());

        robot.clickOn("#approvalsTabLabel");
        Node pending = waitForNode(robot, ".approval-cell", (ListCell<ApprovalInfo> c) -> c.getItem() != null
                && c.getItem().runId().equals(run.runId()) && c.getItem().isPending());
        robot.clickOn(pending);

        TextArea arguments = robot.lookup("#approvalArguments").queryAs(TextArea.class);
        waitOnFx(10, TimeUnit.SECONDS, () -> arguments.getText().contains("\"amount_usd\" : 89.99"));
        assertThat(robot.lookup("#approvalReason").queryLabeled().getText())
                .contains("bundle policy for tool \"issue_refund\": ask");
        TextField reviewer = robot.lookup("#approvalReviewer").queryAs(TextField.class);
        robot.interact(() -> reviewer.setText("ann"));
        robot.clickOn("#approveButton");

        waitOnFx(30, TimeUnit.SECONDS,
                () -> rowOf(table, run.runId()).getRun().state() == RunState.SUCCEEDED);
        ListView<ApprovalInfo> decided = robot.lookup("#decidedApprovals").queryListView();
        waitOnFx(10, TimeUnit.SECONDS, () -> decided.getItems().stream()
                .anyMatch(a -> a.runId().equals(run.runId()) && "ann".equals(a.reviewer())));
        assertThat(robot.lookup("#approvalOutcome").queryLabeled().getText()).startsWith("Approved by ann");
    }

    @Test
    @Order(4)
    void reconnectsByItselfAfterTheDaemonRestartsOnANewPort(FxRobot robot) throws Exception {
        TableView<RunRow> table = robot.lookup("#runsTable").queryTableView();
        var status = robot.lookup("#connectionStatus").queryLabeled();
        waitOnFx(20, TimeUnit.SECONDS, () -> status.getText().startsWith("Connected to flightdeckd"));
        int oldPort = endpoint.port();

        killDaemon();
        waitOnFx(20, TimeUnit.SECONDS, () -> !status.getText().startsWith("Connected"));
        endpoint = DaemonProcess.ensureRunning(dataDir, Duration.ofSeconds(60));

        waitOnFx(30, TimeUnit.SECONDS,
                () -> status.getText().endsWith("on port " + endpoint.port()));
        assertThat(endpoint.port()).isNotEqualTo(oldPort);
        // The Runs screen follows the new daemon: a run started now shows up by itself.
        RunInfo run = startRun();
        waitOnFx(20, TimeUnit.SECONDS, () -> rowOf(table, run.runId()) != null);
    }
}
