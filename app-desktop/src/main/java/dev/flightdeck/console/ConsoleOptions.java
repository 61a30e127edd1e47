package dev.flightdeck.console;

import dev.flightdeck.client.DaemonEndpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * Command-line options of the console.
 *
 * @param dataDir     the daemon's data directory ({@code --data-dir}, default {@code $FLIGHTDECK_HOME} or ~/.flightdeck)
 * @param startDaemon start a daemon without asking when none runs ({@code --start-daemon})
 * @param demo        start the demo run on an empty daemon and open it ({@code --demo}; implies --start-daemon)
 */
public record ConsoleOptions(Path dataDir, boolean startDaemon, boolean demo) {

    public static final String USAGE = """
            Usage: flightdeck-console [--data-dir DIR] [--start-daemon] [--demo]
              --data-dir DIR   the daemon's data directory (default: $FLIGHTDECK_HOME or ~/.flightdeck)
              --start-daemon   start a daemon without asking when none runs
              --demo           start a daemon if needed; on an empty daemon run the support-refund demo and open it
            """;

    /** Parses {@code args}; throws {@link IllegalArgumentException} naming what is wrong. */
    public static ConsoleOptions parse(List<String> args) {
        Path dataDir = null;
        boolean start = false;
        boolean demo = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--data-dir")) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("--data-dir needs a directory");
                }
                dataDir = Path.of(args.get(++i));
            } else if (a.startsWith("--data-dir=")) {
                dataDir = Path.of(a.substring("--data-dir=".length()));
            } else if (a.equals("--start-daemon")) {
                start = true;
            } else if (a.equals("--demo")) {
                demo = true;
                start = true;
            } else if (a.equals("--help") || a.equals("-h")) {
                throw new HelpRequested();
            } else {
                throw new IllegalArgumentException("unknown option: " + a);
            }
        }
        return new ConsoleOptions(dataDir == null ? DaemonEndpoint.defaultDataDir() : dataDir.toAbsolutePath(),
                start, demo);
    }

    /** {@code --help} was given. */
    public static final class HelpRequested extends RuntimeException {
        HelpRequested() {
            super("help", null, false, false);
        }
    }
}
