package dev.flightdeck.daemon.cli;

/** The exit codes of every {@code flightdeck} command. */
public final class ExitCodes {
    /** Done; for commands that follow a run: the run SUCCEEDED. */
    public static final int OK = 0;
    /** A run ended without succeeding, or the daemon refused the request. */
    public static final int FAILURE = 1;
    /** The command line was wrong. */
    public static final int USAGE = 2;
    /** No daemon runs on the data directory, or it does not answer health SERVING. */
    public static final int NO_DAEMON = 3;

    private ExitCodes() {
    }
}
