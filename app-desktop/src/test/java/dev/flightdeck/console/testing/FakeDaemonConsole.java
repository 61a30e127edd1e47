package dev.flightdeck.console.testing;

import atlantafx.base.theme.PrimerLight;
import dev.flightdeck.console.concurrent.FxUiExecutor;
import dev.flightdeck.console.view.ConsoleWindow;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.UserPrompts;
import javafx.application.Application;
import javafx.stage.Stage;

import java.time.Clock;
import java.time.Duration;

/** The console window in a TestFX stage, wired to a {@link FakeDaemon} the way the app wires a real one. */
public record FakeDaemonConsole(FakeDaemon daemon, FxUiExecutor executor, ConsoleViewModel console) {

    /** Shows the window at 1280×800 and connects (prompts answer yes). */
    public static FakeDaemonConsole open(Stage stage, FakeDaemon daemon) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        FxUiExecutor executor = new FxUiExecutor(2, 32);
        ConsoleViewModel console = new ConsoleViewModel(executor, daemon.locator(), UserPrompts.answering(true),
                Clock.systemUTC(), Duration.ofSeconds(10), false);
        ConsoleWindow window = new ConsoleWindow(console, Clock.systemUTC());
        stage.setScene(window.createScene(1280, 800));
        stage.show();
        console.start(false);
        return new FakeDaemonConsole(daemon, executor, console);
    }

    public void close() {
        console.close();
        executor.close();
        daemon.close();
    }
}
