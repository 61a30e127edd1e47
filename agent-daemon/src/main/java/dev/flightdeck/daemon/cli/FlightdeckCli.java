package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonCallException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code flightdeck} command: runs the daemon and talks to it.
 *
 * <p>Every failure reaches the user as one line on stderr prefixed {@code flightdeck: } and a
 * non-zero exit code (see {@link ExitCodes}); a stack trace is printed only when
 * {@code FLIGHTDECK_DEBUG} is set.
 */
@Command(name = "flightdeck", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Run LLM agents like production software.",
        subcommands = {DaemonCommand.class, StatusCommand.class, DemoCommand.class, RunCommand.class,
                RunsCommand.class, WatchCommand.class, CancelCommand.class, ApprovalsCommand.class,
                ApproveCommand.class, RejectCommand.class, BundleCommand.class, PruneCommand.class,
                CostsCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success (for run --follow, watch and demo: the run SUCCEEDED)",
                "1:the run ended without succeeding, or the daemon refused the request",
                "2:wrong command line",
                "3:no daemon is running on the data directory, or it is not serving"})
public final class FlightdeckCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /**
     * The configured command line (error handlers included). Tests call
     * {@code setOut}/{@code setErr} on it before {@code execute}.
     */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new FlightdeckCli());
        cl.setExecutionExceptionHandler(FlightdeckCli::handleExecutionException);
        cl.setParameterExceptionHandler(FlightdeckCli::handleParameterException);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Prints {@code flightdeck: <message>} on the command's err writer. */
    static void printError(CommandLine cl, String message) {
        PrintWriter err = cl.getErr();
        err.println("flightdeck: " + message);
        err.flush();
    }

    private static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        if (System.getenv("FLIGHTDECK_DEBUG") != null) {
            ex.printStackTrace(cl.getErr());
        }
        if (ex instanceof CliException e) {
            printError(cl, e.getMessage());
            return e.exitCode();
        }
        if (ex instanceof DaemonCallException e) {
            if (e.isUnavailable()) {
                printError(cl, "the daemon does not answer (" + e.getMessage()
                        + "); check it with \"flightdeck status\"");
                return ExitCodes.NO_DAEMON;
            }
            printError(cl, e.getMessage());
            return ExitCodes.FAILURE;
        }
        if (ex instanceof IllegalStateException || ex instanceof IllegalArgumentException) {
            printError(cl, String.valueOf(ex.getMessage()));
            return ExitCodes.FAILURE;
        }
        printError(cl, "unexpected error: " + ex + " (set FLIGHTDECK_DEBUG=1 for the stack trace)");
        return ExitCodes.FAILURE;
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        printError(cl, firstLine(ex.getMessage()) + " (see \"" + cl.getCommandSpec().qualifiedName() + " --help\")");
        return ExitCodes.USAGE;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "wrong command line";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
