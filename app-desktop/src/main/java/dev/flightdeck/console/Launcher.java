package dev.flightdeck.console;

import javafx.application.Application;

import java.util.List;

/**
 * The console's main class. It does not extend {@link Application}: with JavaFX on the class
 * path (not the module path) a main class that does fails with "JavaFX runtime components are
 * missing".
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        // The console's own logging setup; a plain logback.xml would also configure a daemon
        // started from the same lib/.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-console.xml");
        }
        try {
            ConsoleOptions.parse(List.of(args));
        } catch (ConsoleOptions.HelpRequested e) {
            System.out.print(ConsoleOptions.USAGE);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("flightdeck-console: " + e.getMessage());
            System.err.print(ConsoleOptions.USAGE);
            System.exit(2);
        }
        Application.launch(ConsoleApp.class, args);
    }
}
