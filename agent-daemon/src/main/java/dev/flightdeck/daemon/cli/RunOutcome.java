package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;

import java.io.PrintWriter;

/** What a command that followed a run prints when the run ends, and its exit code. */
final class RunOutcome {
    private RunOutcome() {
    }

    /**
     * Prints the outcome line and, on success, the final answer; returns 0 only when the run
     * SUCCEEDED. A run that ended otherwise is reported as {@code flightdeck: run ... FAILED: why}.
     */
    static int report(RunInfo run, PrintWriter out, picocli.CommandLine cl) {
        out.println();
        out.println(Formats.outcome(run));
        if (run.state() == RunState.SUCCEEDED) {
            if (!run.output().isEmpty()) {
                out.println();
                out.println("answer:");
                run.output().strip().lines().forEach(l -> out.println(l.isBlank() ? "" : "  " + l));
            }
            out.flush();
            return ExitCodes.OK;
        }
        out.flush();
        String why = run.statusMessage().isEmpty() ? "" : ": " + run.statusMessage();
        FlightdeckCli.printError(cl, "run " + run.runId() + " ended " + Formats.status(run) + why);
        return ExitCodes.FAILURE;
    }
}
