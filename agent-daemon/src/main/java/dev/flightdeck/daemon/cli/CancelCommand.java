package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code flightdeck cancel RUN_ID}: asks a run to stop. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Ask a run to stop: a queued run is cancelled at once, a running one at its next safe point.",
                "Cancelling a run that already ended changes nothing."})
final class CancelCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run to cancel.")
    String runId;

    @Option(names = "--reason", paramLabel = "R", description = "Why, recorded in the run's history.")
    String reason;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (DaemonClient client = dataDir.connect()) {
            RunInfo before = client.getRun(runId);
            if (before.state().isTerminal()) {
                out.println("run " + runId + " already ended " + Formats.status(before) + "; nothing to cancel");
                out.flush();
                return ExitCodes.OK;
            }
            RunInfo run = client.cancelRun(runId, reason, "cli:" + System.getProperty("user.name", "unknown"));
            out.println(run.state().isTerminal()
                    ? "run " + runId + " " + Formats.status(run)
                    : "cancel requested for run " + runId + " (" + Formats.status(run) + "; it stops at its next safe point)");
            out.flush();
            return ExitCodes.OK;
        }
    }
}
