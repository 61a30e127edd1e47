package dev.flightdeck.console.testing;

import atlantafx.base.theme.PrimerLight;
import dev.flightdeck.console.concurrent.FxUiExecutor;
import dev.flightdeck.console.view.ConsoleWindow;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.RunViewModel;
import dev.flightdeck.console.viewmodel.UserPrompts;
import dev.flightdeck.proto.v1.RunStatus;
import javafx.animation.PauseTransition;
import javafx.application.Application;
import javafx.stage.Stage;
import javafx.util.Duration;

import java.time.Clock;
import java.time.Instant;

/**
 * A developer's preview: the console window against the in-process test double with sample runs,
 * for looking at layout under Xvfb without a daemon. Argument {@code run} opens a run and selects an event;
 * {@code costs} shows the Costs screen over 30 days of sample model calls; {@code costs-unimplemented}
 * shows it against a daemon without the CostService, {@code costs-loading} against one still
 * loading its cost index.
 */
public final class PreviewWithFakeDaemon extends Application {
    /** Main class (not the Application itself: JavaFX is on the class path). */
    public static final class Main {
        public static void main(String[] args) {
            Application.launch(PreviewWithFakeDaemon.class, args);
        }
    }

    @Override
    public void start(Stage stage) throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        Instant now = Instant.now();
        daemon.putRun(FakeDaemon.run("run-01", RunStatus.RUN_STATUS_SUCCEEDED, now.minusSeconds(600), 12).toBuilder()
                .setUsage(FakeDaemon.usage(5_210, 640, 18_350, true)).build());
        daemon.putRun(FakeDaemon.run("run-02", RunStatus.RUN_STATUS_FAILED, now.minusSeconds(300), 5).toBuilder()
                .setUsage(FakeDaemon.usage(1_200, 90, 0, false)).build());
        daemon.putRun(FakeDaemon.run("run-03", RunStatus.RUN_STATUS_CANCELLED, now.minusSeconds(200), 4));
        daemon.putRun(FakeDaemon.run("run-04", RunStatus.RUN_STATUS_WAITING_APPROVAL, now.minusSeconds(100), 6));
        daemon.putRun(FakeDaemon.run("run-05", RunStatus.RUN_STATUS_RUNNING, now.minusSeconds(20), 7).toBuilder()
                .setUsage(FakeDaemon.usage(1_372, 458, 2_400, true)).build());
        for (long s = 1; s <= 7; s++) {
            daemon.appendEvent(s == 3 ? FakeDaemon.modelResponded("run-05", s, 1_830, 2_400, 930)
                    : FakeDaemon.event("run-05", s));
        }
        CostFixtures.seed(daemon.costs, now, 30, 12, 42);
        if (getParameters().getRaw().contains("costs-loading")) {
            daemon.costs.fail = io.grpc.Status.UNAVAILABLE
                    .withDescription("the cost index is still loading (250000 of 1000000 calls); try again");
        }
        if (getParameters().getRaw().contains("costs-unimplemented")) {
            daemon.costs.fail = io.grpc.Status.UNIMPLEMENTED
                    .withDescription("Method not found: flightdeck.v1.CostService/QueryCost");
        }
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        ConsoleViewModel vm = new ConsoleViewModel(new FxUiExecutor(2, 32), daemon.locator(),
                UserPrompts.answering(false), Clock.systemUTC(), java.time.Duration.ofSeconds(10), false);
        ConsoleWindow window = new ConsoleWindow(vm, Clock.systemUTC());
        stage.setScene(window.createScene(1280, 800));
        stage.setTitle("Flightdeck Console (preview)");
        stage.show();
        vm.start(false);
        if (getParameters().getRaw().stream().anyMatch(a -> a.startsWith("costs"))) {
            ((javafx.scene.control.TabPane) window.lookup("#tabs")).getSelectionModel().select(2);
        }
        if (getParameters().getRaw().contains("run")) {
            PauseTransition later = new PauseTransition(Duration.seconds(1));
            later.setOnFinished(e -> {
                RunViewModel run = vm.openRun("run-05");
                Runnable select = () -> {
                    if (run.events().size() > 3 && run.selectedEventProperty().get() == null) {
                        run.selectedEventProperty().set(run.events().get(3));
                    }
                };
                run.events().addListener((javafx.collections.ListChangeListener<Object>) c -> select.run());
                select.run();
            });
            later.play();
        }
    }
}
