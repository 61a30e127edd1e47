package dev.flightdeck.console;

import atlantafx.base.theme.PrimerLight;
import dev.flightdeck.console.concurrent.FxUiExecutor;
import dev.flightdeck.console.view.ConsoleWindow;
import dev.flightdeck.console.view.FxUserPrompts;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import javafx.application.Application;
import javafx.stage.Stage;

import java.time.Clock;
import java.time.Duration;

/**
 * The JavaFX application: the one place that wires executor, locator, view models and window
 * (constructors only, no framework). Started by {@link Launcher}.
 */
public final class ConsoleApp extends Application {
    /** How long a reconnect keeps trying before it says "No daemon running" (it still polls quietly). */
    static final Duration RECONNECT_TIMEOUT = Duration.ofSeconds(60);

    private Assembly assembly;

    @Override
    public void start(Stage stage) {
        ConsoleOptions options = ConsoleOptions.parse(getParameters().getRaw());
        assembly = Assembly.open(stage, options);
    }

    @Override
    public void stop() {
        if (assembly != null) {
            assembly.close();
        }
    }

    /** The wired console in a stage; tests build one the same way. */
    public record Assembly(ConsoleViewModel viewModel, ConsoleWindow window, FxUiExecutor executor) {

        public static Assembly open(Stage stage, ConsoleOptions options) {
            Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
            FxUiExecutor executor = new FxUiExecutor(4, 64);
            Clock clock = Clock.systemUTC();
            ConsoleViewModel vm = new ConsoleViewModel(executor,
                    new DataDirDaemonLocator(options.dataDir(), Duration.ofSeconds(60)),
                    new FxUserPrompts(() -> stage), clock, RECONNECT_TIMEOUT, options.startDaemon());
            ConsoleWindow window = new ConsoleWindow(vm, clock);
            stage.setTitle("Flightdeck Console — " + options.dataDir());
            stage.setScene(window.createScene(1280, 800));
            stage.setMinWidth(900);
            stage.setMinHeight(560);
            stage.show();
            vm.start(options.demo());
            return new Assembly(vm, window, executor);
        }

        public void close() {
            viewModel.close();
            executor.close();
        }
    }
}
